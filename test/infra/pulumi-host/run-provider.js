// Loads a serialized dynamic provider as @pulumi/pulumi/cmd/dynamic-provider/index.js does
// (require-from-string with no file name, so the provider's `require` resolves from the working
// directory) and calls one method, reporting the outcome as the last line of stdout, in JSON.
//
// usage (cwd = the host directory): node run-provider.js provider.js create '[inputs]'
"use strict";
const fs = require("node:fs");
const requireFromString = require("require-from-string");

const [providerFile, method, argsJson] = process.argv.slice(2);
const report = (outcome) => process.stdout.write(`\n${JSON.stringify(outcome)}\n`);

(async () => {
  const provider = requireFromString(fs.readFileSync(providerFile, "utf8")).handler();
  return provider[method](...JSON.parse(argsJson));
})().then(
  (value) => report({ value: value === undefined ? null : value }),
  (error) => report({ error: { message: String(error && error.message), code: error && error.code } }),
);
