import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layout's one rule: imports point down. Each folder names the folders it must not import
 * (README, "Layout"). Specifiers are matched as written, `../` any number of times, so the rule
 * needs no resolver; a folder's own files import each other with `./`.
 */
const ANY_DEPTH = "^(\\.\\./)+";
function mayNotImport(folder, why, ...groups) {
  const patterns = groups.map(({ folders, except = "", allowTypeImports = false }) => ({
    regex: `${ANY_DEPTH}(${folders.join("|")})(/|$)${except}`,
    message: `${folder}/ ${why} (README, "Layout").`,
    allowTypeImports,
  }));
  return { files: [`${folder}/**/*.ts`], rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] } };
}
/** worker/package builds the worker's application package: what infra/ deploys and a local run registers. */
const BUT_THE_PACKAGE = { folders: ["worker"], except: "(?!package$)" };
const TOOLS = ["bench", "scripts", "test"];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "build/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["contracts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ regex: ANY_DEPTH, message: 'contracts/ is the bottom: it imports nothing of the project (README, "Layout").' }] },
      ],
    },
  },
  mayNotImport("shared", "may import contracts/ only", { folders: ["worker", "local", "infra", "tasks", "policy", ...TOOLS] }),
  mayNotImport("worker", "may import contracts/ and shared/ only", { folders: ["local", "infra", "tasks", "policy", ...TOOLS] }),
  mayNotImport("local", "may import contracts/ and shared/ only", { folders: ["worker", "infra", "tasks", "policy", ...TOOLS] }),
  mayNotImport("policy", "may import contracts/ and shared/ only", { folders: ["worker", "local", "infra", "tasks", ...TOOLS] }),
  mayNotImport("infra", "may import contracts/, shared/ and worker/package only", { folders: ["local", "tasks", "policy", ...TOOLS] }, BUT_THE_PACKAGE),
  // The dispatcher reaches the local cloud through one lazy require in tasks/local-target.ts; its types it may import.
  mayNotImport(
    "tasks",
    "may import contracts/, shared/, worker/package and local/'s types only",
    { folders: ["infra", "policy", ...TOOLS] },
    { folders: ["local"], allowTypeImports: true },
    BUT_THE_PACKAGE,
  ),
  {
    // The local service is a long-running server: a promise nobody handles ends the process and
    // every pool and job with it, so each one must be awaited, caught, or marked `void` on purpose.
    files: ["local/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
);
