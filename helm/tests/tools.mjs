// Shared by the chart checks: where the npm tools live, rendering the chart with helm, and
// validating rendered objects against the Kubernetes API schemas.
// .ci/helm-check.sh installs the tools and sets MOESAIC_CHART_TOOLS and HELM.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const chartDir = join(dirname(fileURLToPath(import.meta.url)), "..", "moesaic");

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the chart checks through .ci/helm-check.sh, which installs the tools and sets it`);
  }
  return value;
}

const toolsDir = required("MOESAIC_CHART_TOOLS");
const helm = required("HELM");

// The npm packages are ES modules without a require() entry; import them by file.
async function importTool(relativePath) {
  const file = join(toolsDir, "node_modules", relativePath);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: delete ${toolsDir} and rerun .ci/helm-check.sh to reinstall the tools`);
  }
  return import(pathToFileURL(file).href);
}

const yamlModule = await importTool("yaml/dist/index.js");
const YAML = yamlModule.default ?? yamlModule;

/** Runs `helm template` and returns the rendered objects; throws with helm's message when it fails. */
export function render({ valuesFiles = [], set = {}, release = "moesaic", namespace = "serving" } = {}) {
  const args = ["template", release, chartDir, "--namespace", namespace];
  for (const file of valuesFiles) args.push("-f", file);
  for (const [key, value] of Object.entries(set)) args.push("--set-json", `${key}=${JSON.stringify(value)}`);
  const out = execFileSync(helm, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseManifests(out);
}

/** helm template's stderr when rendering fails, or null when it succeeds. */
export function renderError(options) {
  try {
    render(options);
    return null;
  } catch (e) {
    return String(e.stderr ?? e.message);
  }
}

export function parseManifests(text) {
  return YAML.parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
      return doc.toJS();
    })
    .filter((obj) => obj !== null);
}

/** The one object of this kind (and name suffix, when given); fails when there is not exactly one. */
export function only(objects, kind, nameSuffix = "") {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${found.length}`);
  }
  return found[0];
}

// apiVersion/kind -> the package file of its compiled JSON-schema validator.
const SCHEMAS = {
  "v1/ConfigMap": "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap.js",
  "v1/Secret": "kubernetes-models/_schemas/IoK8sApiCoreV1Secret.js",
  "v1/Service": "kubernetes-models/_schemas/IoK8sApiCoreV1Service.js",
  "v1/ServiceAccount": "kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount.js",
  "apps/v1/Deployment": "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment.js",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget.js",
  "autoscaling/v2/HorizontalPodAutoscaler": "kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler.js",
  "keda.sh/v1alpha1/ScaledObject": "@kubernetes-models/keda/_schemas/ComGithubKedacoreKedaV2ApisKedaV1alpha1ScaledObject.js",
  "monitoring.coreos.com/v1/ServiceMonitor":
    "@kubernetes-models/prometheus-operator/_schemas/ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor.js",
};

// Wraps every object in a proxy that records which keys the validator reads. The compiled
// validators read each property their schema knows (and every entry of map-typed fields), so a
// key never read is a field the API type does not have: a typo that the API server would drop
// or reject, and that a schema allowing unknown fields would pass.
function tracked(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  const read = new Set();
  const copy = Array.isArray(value)
    ? value.map((v, i) => tracked(v, `${path}[${i}]`, records))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${path}.${k}`, records)]));
  records.push({ path, value, read });
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Problems of one object against its API type's schema: schema errors, then unknown fields. */
export async function schemaProblems(obj) {
  const where = `${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
  const schemaFile = SCHEMAS[`${obj?.apiVersion}/${obj?.kind}`];
  if (!schemaFile) {
    return [`${where}: no schema known for apiVersion ${obj?.apiVersion} kind ${obj?.kind}; add it to SCHEMAS in helm/tests/tools.mjs`];
  }
  const { validate } = await importTool(schemaFile);
  const records = [];
  const ok = validate(tracked(obj, "", records));
  if (!ok) {
    return validate.errors.map((e) => `${where}: ${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }
  const unknown = [];
  for (const { path, value, read } of records) {
    if (Array.isArray(value)) continue;
    for (const key of Object.keys(value)) {
      if (!read.has(key)) unknown.push(`${where}: unknown field ${path}.${key}`);
    }
  }
  return unknown;
}
