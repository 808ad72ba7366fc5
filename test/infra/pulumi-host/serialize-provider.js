// Serializes a dynamic provider as `pulumi up` does, printing the text Pulumi stores as `__provider`.
// A file, not `node -e`: under -e, `exports` and `module` are globals, and the closure serializer
// then leaves a module's `exports` uncaptured, which a real Pulumi program never sees.
//
// usage (cwd = project root): node serialize-provider.js '{"modulePath":…,"exportName":…,"factoryArgs":[…]}'
"use strict";
const { typeScriptRequireStrings, loadTypeScriptCompilerOptions } = require("@pulumi/pulumi/tsutils");

// As @pulumi/pulumi/cmd/run/run.js registers ts-node for a CommonJS project with TypeScript >= 4.7;
// transpileOnly only skips the type check (tsc does that), the emitted code is the same.
const { tsnodeRequire, typescriptRequire } = typeScriptRequireStrings();
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: true,
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...loadTypeScriptCompilerOptions("tsconfig.json"),
  },
});

const pulumi = require("@pulumi/pulumi");
const path = require("node:path");
const source = JSON.parse(process.argv[2]);
const exported = require(path.resolve(source.modulePath))[source.exportName];
const provider = source.factoryArgs ? exported(...source.factoryArgs) : exported;
// What pulumi.dynamic.Resource does (dynamic/index.js, serializeFunctionMaybeSecret).
pulumi.runtime
  .serializeFunction(() => provider, { allowSecrets: true })
  .then(
    (serialized) => process.stdout.write(serialized.text),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
