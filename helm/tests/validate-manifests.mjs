// Checks every object in the given rendered-manifest files against its Kubernetes API schema
// (kubernetes-models; KEDA and Prometheus Operator CRDs from their @kubernetes-models packages),
// including fields the API type does not have. Usage: node validate-manifests.mjs FILE...
import { readFileSync } from "node:fs";
import { parseManifests, schemaProblems } from "./tools.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-manifests.mjs RENDERED.yaml...");
  process.exit(2);
}
let objects = 0;
const problems = [];
for (const file of files) {
  for (const obj of parseManifests(readFileSync(file, "utf8"))) {
    objects++;
    for (const problem of await schemaProblems(obj)) problems.push(`${file}: ${problem}`);
  }
}
for (const problem of problems) console.error(problem);
console.log(`schema check: ${objects} objects in ${files.length} files, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
