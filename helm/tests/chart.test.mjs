// Renders the chart with helm and asserts what a cluster operator relies on: probes that outlast
// model loading, a grace period that covers the drain, the PDB, the autoscaling objects, the
// Secret, and a dashboard that only queries metrics the server exports.
// Run through .ci/helm-check.sh (node --test helm/tests/).
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { chartDir, only, render, renderError, schemaProblems } from "./tools.mjs";

const ciValues = readdirSync(join(chartDir, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .map((f) => join(chartDir, "ci", f));
const values = (name) => join(chartDir, "ci", `${name}-values.yaml`);

const deployment = (objects) => only(objects, "Deployment");
const container = (objects) => deployment(objects).spec.template.spec.containers.find((c) => c.name === "moesaic");
const settings = (objects) => only(objects, "ConfigMap", "moesaic").data;

/** "30s", "2m" -> seconds, the way the server reads moesaic.drain-timeout. */
function seconds(duration) {
  const m = /^(\d+)(ms|s|m|h)$/.exec(duration);
  assert.ok(m, `MOESAIC_DRAIN_TIMEOUT ${JSON.stringify(duration)} is not a duration like 30s`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}

/** Seconds Kubernetes waits for a container to start before restarting it. */
const startupAllowance = (probe) => (probe.initialDelaySeconds ?? 0) + probe.periodSeconds * probe.failureThreshold;

test("ci/ holds a values file for every optional feature", () => {
  const names = ciValues.map((f) => f.replace(/^.*\//, "").replace(/-values\.yaml$/, ""));
  for (const feature of ["default", "servicemonitor", "hpa", "keda", "resize", "accelerator", "apikeys", "existing-secret", "model-volume"]) {
    assert.ok(names.includes(feature), `helm/moesaic/ci/${feature}-values.yaml is missing`);
  }
});

describe("every values combination in ci/", () => {
  for (const file of ciValues) {
    const name = file.replace(/^.*\//, "");
    test(`${name}: objects match their Kubernetes API schemas`, async () => {
      const problems = [];
      for (const obj of render({ valuesFiles: [file] })) problems.push(...(await schemaProblems(obj)));
      assert.deepEqual(problems, []);
    });

    test(`${name}: startup probe outlasts model loading, liveness waits for it`, () => {
      const objects = render({ valuesFiles: [file] });
      const c = container(objects);
      assert.equal(c.startupProbe.httpGet.path, "/ready");
      assert.equal(c.readinessProbe.httpGet.path, "/ready");
      assert.equal(c.livenessProbe.httpGet.path, "/health");
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        assert.ok(c.ports.some((p) => p.name === probe.httpGet.port), `probe port ${probe.httpGet.port} is not a container port`);
      }
      // Loading a large MoE model from a volume takes minutes; vLLM's chart allows about 10.
      assert.ok(startupAllowance(c.startupProbe) >= 600, `startup probe allows only ${startupAllowance(c.startupProbe)} s`);
      assert.ok(c.readinessProbe.periodSeconds <= 5, "readiness must notice draining within 5 s");
    });

    test(`${name}: grace period covers preStop sleep plus the server's drain timeout`, () => {
      const objects = render({ valuesFiles: [file] });
      const pod = deployment(objects).spec.template.spec;
      const preStop = container(objects).lifecycle.preStop.sleep.seconds;
      const drain = seconds(settings(objects).MOESAIC_DRAIN_TIMEOUT);
      assert.ok(preStop >= 1, "preStop must pause so endpoints stop routing before SIGTERM");
      assert.ok(
        pod.terminationGracePeriodSeconds >= preStop + drain,
        `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop ${preStop} + drain ${drain}`,
      );
    });

    test(`${name}: PodDisruptionBudget selects exactly the serving pods`, () => {
      const objects = render({ valuesFiles: [file] });
      const pdb = only(objects, "PodDisruptionBudget");
      const podLabels = deployment(objects).spec.template.metadata.labels;
      assert.deepEqual(pdb.spec.selector.matchLabels, deployment(objects).spec.selector.matchLabels);
      for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(podLabels[k], v);
      assert.equal(("minAvailable" in pdb.spec) + ("maxUnavailable" in pdb.spec), 1, "set exactly one of minAvailable, maxUnavailable");
    });

    test(`${name}: runs as non-root with a read-only root filesystem and a writable /tmp`, () => {
      const objects = render({ valuesFiles: [file] });
      const pod = deployment(objects).spec.template.spec;
      const c = container(objects);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.notEqual(pod.securityContext.runAsUser, 0);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      const tmp = c.volumeMounts.find((m) => m.mountPath === "/tmp");
      assert.ok(tmp && pod.volumes.some((v) => v.name === tmp.name && v.emptyDir), "/tmp must be an emptyDir");
    });

    test(`${name}: Service routes to the container port`, () => {
      const objects = render({ valuesFiles: [file] });
      const svc = only(objects, "Service");
      assert.ok(container(objects).ports.some((p) => p.name === svc.spec.ports[0].targetPort));
      assert.equal(Number(settings(objects).SERVER_PORT), container(objects).ports[0].containerPort);
      for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(deployment(objects).spec.template.metadata.labels[k], v);
    });
  }
});

describe("probes and drain timing", () => {
  test("startup failureThreshold is derived from modelLoadSeconds", () => {
    const c = container(render({ valuesFiles: [values("model-volume")] }));
    assert.equal(c.startupProbe.periodSeconds, 15);
    assert.equal(c.startupProbe.failureThreshold, 80); // 1200 s / 15 s
    const odd = container(render({ set: { "probes.startup": { modelLoadSeconds: 601, periodSeconds: 10 } } }));
    assert.ok(startupAllowance(odd.startupProbe) >= 601, "rounding must not cut the allowance short");
  });

  test("default grace period is preStop + drain + 10 s", () => {
    const objects = render();
    assert.equal(settings(objects).MOESAIC_DRAIN_TIMEOUT, "30s");
    assert.equal(deployment(objects).spec.template.spec.terminationGracePeriodSeconds, 5 + 30 + 10);
  });

  test("a grace period shorter than preStop + drain is refused with the numbers", () => {
    const error = renderError({ set: { shutdown: { preStopSleepSeconds: 5, drainTimeoutSeconds: 60, terminationGracePeriodSeconds: 40 } } });
    assert.match(error ?? "", /terminationGracePeriodSeconds=40 is shorter than .* = 65/);
  });
});

describe("autoscaling objects", () => {
  test("default: no HPA, no ScaledObject, fixed replicas", () => {
    const objects = render();
    assert.equal(objects.filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject").length, 0);
    assert.equal(deployment(objects).spec.replicas, 1);
  });

  test("HPA scales the Deployment on waiting requests per pod and owns the replica count", () => {
    const objects = render({ valuesFiles: [values("hpa")] });
    const hpa = only(objects, "HorizontalPodAutoscaler");
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: deployment(objects).metadata.name });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 6);
    const waiting = hpa.spec.metrics.find((m) => m.type === "Pods");
    assert.equal(waiting.pods.metric.name, "moesaic_num_requests_waiting");
    assert.equal(waiting.pods.target.averageValue, "5");
    assert.equal(hpa.spec.metrics.find((m) => m.type === "Resource").resource.target.averageUtilization, 80);
    assert.ok(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds > hpa.spec.behavior.scaleUp.stabilizationWindowSeconds);
    assert.equal(deployment(objects).spec.replicas, undefined, "replicas must be left to the HPA");
  });

  test("KEDA ScaledObject scales the Deployment on the waiting-requests query", () => {
    const objects = render({ valuesFiles: [values("keda")] });
    const so = only(objects, "ScaledObject");
    assert.equal(so.spec.scaleTargetRef.name, deployment(objects).metadata.name);
    assert.equal(so.spec.minReplicaCount, 1);
    assert.equal(so.spec.maxReplicaCount, 8);
    const [trigger] = so.spec.triggers;
    assert.equal(trigger.type, "prometheus");
    assert.equal(trigger.metadata.threshold, "5");
    assert.match(trigger.metadata.query, /^sum\(moesaic_num_requests_waiting\{namespace="serving",service="moesaic"\}\)$/);
    assert.equal(objects.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0, "KEDA makes its own HPA");
    assert.equal(deployment(objects).spec.replicas, undefined, "replicas must be left to KEDA");
  });

  test("HPA and KEDA together are refused", () => {
    const error = renderError({ valuesFiles: [values("hpa"), values("keda")] });
    assert.match(error ?? "", /hpa.enabled and keda.enabled are both true/);
  });

  test("server device autoscaler and in-place resize", () => {
    const objects = render({ valuesFiles: [values("resize")] });
    assert.equal(settings(objects).MOESAIC_AUTOSCALE, "1,4");
    assert.equal(settings(objects).MOESAIC_DEVICES, "2");
    assert.deepEqual(container(objects).resizePolicy, [
      { resourceName: "cpu", restartPolicy: "NotRequired" },
      { resourceName: "memory", restartPolicy: "NotRequired" },
    ]);
    assert.equal(settings(render()).MOESAIC_AUTOSCALE, "");
    assert.equal(container(render()).resizePolicy, undefined);
    assert.match(renderError({ set: { "server.autoscale": { enabled: true, minDevices: 4, maxDevices: 2 } } }) ?? "", /minDevices=4 is above maxDevices=2/);
  });
});

describe("resources, secrets, model, monitoring", () => {
  test("accelerator resource lands in the limits next to memory", () => {
    const c = container(render({ valuesFiles: [values("accelerator")] }));
    assert.equal(c.resources.limits["nvidia.com/gpu"], 2);
    assert.equal(c.resources.limits.memory, "8Gi");
    assert.equal(container(render()).resources.limits["nvidia.com/gpu"], undefined);
  });

  test("API keys and admin token go into a Secret the pod reads", () => {
    const objects = render({ valuesFiles: [values("apikeys")] });
    const secret = only(objects, "Secret");
    assert.equal(secret.stringData.MOESAIC_API_KEYS, "sk-moesaic-team-a,sk-moesaic-team-b");
    assert.equal(secret.stringData.MOESAIC_ADMIN_TOKEN, "admin-secret-for-ci");
    assert.ok(container(objects).envFrom.some((e) => e.secretRef?.name === secret.metadata.name));
    // Secrets never leak into the ConfigMap.
    assert.ok(!JSON.stringify(settings(objects)).includes("sk-moesaic"));
  });

  test("an existing Secret is referenced, none is made; no auth means no Secret", () => {
    const objects = render({ valuesFiles: [values("existing-secret")] });
    assert.equal(objects.filter((o) => o.kind === "Secret").length, 0);
    assert.ok(container(objects).envFrom.some((e) => e.secretRef?.name === "moesaic-credentials"));
    assert.equal(render().filter((o) => o.kind === "Secret").length, 0);
    assert.ok(!container(render()).envFrom.some((e) => e.secretRef));
  });

  test("changing settings or keys rolls the pods", () => {
    const annotations = (o) => deployment(o).spec.template.metadata.annotations;
    const base = annotations(render());
    assert.notEqual(annotations(render({ set: { "server.devices": 2 } }))["checksum/config"], base["checksum/config"]);
    assert.notEqual(annotations(render({ valuesFiles: [values("apikeys")] }))["checksum/secret"], base["checksum/secret"]);
  });

  test("the model comes from a read-only volume, never from the image", () => {
    const objects = render({ valuesFiles: [values("model-volume")] });
    const pod = deployment(objects).spec.template.spec;
    const mount = container(objects).volumeMounts.find((m) => m.name === "models");
    assert.equal(mount.mountPath, "/models");
    assert.equal(mount.readOnly, true);
    assert.equal(pod.volumes.find((v) => v.name === "models").persistentVolumeClaim.claimName, "moesaic-models");
    assert.ok(settings(objects).MOESAIC_MODEL.startsWith(`${mount.mountPath}/`));
    const init = render({ valuesFiles: [values("model-init")] });
    assert.ok(deployment(init).spec.template.spec.initContainers[0].volumeMounts.some((m) => m.name === "models"));
  });

  test("ServiceMonitor scrapes /metrics on the Service's named port", () => {
    const objects = render({ valuesFiles: [values("servicemonitor")] });
    const sm = only(objects, "ServiceMonitor");
    const svc = only(objects, "Service");
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v);
    assert.equal(sm.spec.endpoints[0].path, "/metrics");
    assert.equal(sm.spec.endpoints[0].port, svc.spec.ports[0].name);
    assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
    assert.equal(render().filter((o) => o.kind === "ServiceMonitor").length, 0);
  });
});

describe("Grafana dashboard", () => {
  // The server's metric names (issue 6/7 contract).
  const exported = [
    "moesaic_num_requests_running", "moesaic_num_requests_waiting", "moesaic_kv_cache_usage_perc",
    "moesaic_prompt_tokens_total", "moesaic_generation_tokens_total", "moesaic_time_to_first_token_seconds",
    "moesaic_inter_token_latency_seconds", "moesaic_e2e_request_latency_seconds", "moesaic_request_success_total",
    "moesaic_devices", "moesaic_expert_load_maxvio", "moesaic_device_expert_tokens_total",
    "moesaic_scale_operations_total", "moesaic_scale_phase_seconds", "moesaic_scale_bytes_moved_total",
    "moesaic_autoscaler_decisions_total", "moesaic_memory_used_bytes", "moesaic_memory_peak_bytes",
  ];
  const histograms = ["moesaic_time_to_first_token_seconds", "moesaic_inter_token_latency_seconds",
    "moesaic_e2e_request_latency_seconds", "moesaic_scale_phase_seconds"];
  const known = new Set([...exported, ...histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`])]);

  const dashboard = () => JSON.parse(only(render(), "ConfigMap", "-dashboard").data["moesaic.json"]);
  const exprs = () => dashboard().panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

  test("ships as a ConfigMap labelled for Grafana's sidecar and parses as JSON", () => {
    const cm = only(render(), "ConfigMap", "-dashboard");
    assert.equal(cm.metadata.labels.grafana_dashboard, "1");
    assert.equal(dashboard().uid, "moesaic-overview");
    assert.equal(render({ set: { "dashboard.enabled": false } }).filter((o) => o.metadata.name.endsWith("-dashboard")).length, 0);
  });

  test("queries only metrics the server exports", () => {
    for (const { panel, expr } of exprs()) {
      for (const name of expr.match(/moesaic_[a-z0-9_]+/g) ?? []) {
        assert.ok(known.has(name), `panel "${panel}" queries ${name}, which the server does not export`);
      }
      if (/histogram_quantile/.test(expr)) assert.match(expr, /_bucket\{/, `panel "${panel}" takes a quantile of a non-bucket series`);
    }
  });

  test("covers throughput, TTFT/ITL percentiles, queue, KV usage, devices, MaxVio and scaling", () => {
    const used = new Set(exprs().flatMap(({ expr }) => expr.match(/moesaic_[a-z0-9_]+/g) ?? []));
    for (const needed of ["moesaic_generation_tokens_total", "moesaic_time_to_first_token_seconds_bucket",
      "moesaic_inter_token_latency_seconds_bucket", "moesaic_num_requests_waiting", "moesaic_kv_cache_usage_perc",
      "moesaic_devices", "moesaic_expert_load_maxvio", "moesaic_scale_operations_total"]) {
      assert.ok(used.has(needed), `no panel shows ${needed}`);
    }
    const quantiles = exprs().filter((e) => /time_to_first_token/.test(e.expr)).map((e) => e.expr.match(/histogram_quantile\(([0-9.]+)/)[1]);
    assert.deepEqual(quantiles.sort(), ["0.5", "0.95", "0.99"]);
  });
});

describe("values.schema.json", () => {
  test("rejects an unknown key with its name", () => {
    assert.match(renderError({ set: { servr: { devices: 2 } } }) ?? "", /servr/);
  });

  test("rejects zero devices and a negative drain timeout", () => {
    assert.match(renderError({ set: { "server.devices": 0 } }) ?? "", /devices/);
    assert.match(renderError({ set: { "shutdown.drainTimeoutSeconds": -1 } }) ?? "", /drainTimeoutSeconds/);
  });

  test("rejects an accelerator name that is not an extended resource", () => {
    assert.match(renderError({ set: { "accelerator.resourceName": "gpu" } }) ?? "", /resourceName/);
  });
});
