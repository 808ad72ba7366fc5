/**
 * The layout's rule as `npm run lint` applies it: an import the wrong way fails, one the right way
 * passes (README, "Layout"). Lints text as if it were a file of the folder, with the project's own
 * ESLint config, in one real ESLint process for all cases.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

const WRONG_WAY: [file: string, code: string, message: RegExp][] = [
  [
    "worker/main.ts",
    'import { planTasks } from "../tasks/plan";\nexport const x = planTasks;\n',
    /worker\/ may import contracts\/ and shared\/ only/,
  ],
  [
    "local/index.ts",
    'import { createPool } from "../infra/pool";\nexport const x = createPool;\n',
    /local\/ may import contracts\/ and shared\/ only/,
  ],
  [
    "infra/index.ts",
    'import { runBatch } from "../worker/batch";\nexport const x = runBatch;\n',
    /infra\/ may import contracts\/, shared\/ and worker\/package only/,
  ],
  [
    "shared/config.ts",
    'import { connect } from "../tasks/credentials";\nexport const x = connect;\n',
    /shared\/ may import contracts\/ only/,
  ],
  [
    "contracts/node-setup.ts",
    'import { poolSpec } from "../shared/pool-spec";\nexport const x = poolSpec;\n',
    /contracts\/ is the bottom/,
  ],
  [
    "tasks/cli.ts",
    'import { startLocalCloud } from "../local/index";\nexport const x = startLocalCloud;\n',
    /tasks\/ may import .*local\/'s types only/,
  ],
];
const DOWN: [file: string, code: string][] = [
  ["infra/index.ts", 'import { buildWorkerPackage } from "../worker/package";\nexport const x = buildWorkerPackage;\n'],
  ["tasks/cli.ts", 'import type { LocalCloud } from "../local/index";\nexport type X = LocalCloud;\n'],
  ["worker/main.ts", 'import { checkSeries } from "../shared/series";\nexport const x = checkSeries;\n'],
];

const cases = [...WRONG_WAY, ...DOWN].map(([file, code]) => ({ file, code }));
const problems = JSON.parse(
  execFileSync(process.execPath, [path.join(__dirname, "lint-imports.mjs")], {
    input: JSON.stringify(cases),
    encoding: "utf8",
  }),
) as string[][];

describe("imports point down", () => {
  test.each(WRONG_WAY.map((c, i) => [...c, i] as const))(
    "%s importing the wrong way fails lint",
    (_file, _code, message, i) => {
      expect(problems[i]).toEqual([expect.stringMatching(message)]);
    },
  );

  test.each(DOWN.map((c, i) => [...c, WRONG_WAY.length + i] as const))(
    "%s importing down passes",
    (_file, _code, i) => {
      expect(problems[i]).toEqual([]);
    },
  );
});
