// Lints each {file, code} read from stdin (JSON) with the project's ESLint config, as if the code
// were that file, and prints the layout rule's messages per case. A process of its own: ESLint
// loads eslint.config.mjs with import(), which jest's CommonJS runtime cannot. The type-aware
// rules are off here, not the layout rule: types are not what this checks, and they cost seconds.
import path from "node:path";
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";

const root = path.join(import.meta.dirname, "..", "..");
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
const cases = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const { file, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  out.push(
    result.messages.filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.message),
  );
}
process.stdout.write(JSON.stringify(out));
