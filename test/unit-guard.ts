/**
 * Keeps `*.unit.test.ts` files what their name says: a unit test that starts a process (a CLI
 * through tsx, Azurite, ImageMagick, Tesseract) fails here with the way out, instead of quietly
 * making `npm run test:unit` slow. The functions are put back after the file, because jest runs
 * integration files in the same worker processes and they share Node's core modules.
 */
import childProcess from "node:child_process";

const STARTERS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;
type Starter = (typeof STARTERS)[number];

const originals = new Map<Starter, unknown>();

beforeAll(() => {
  for (const name of STARTERS) {
    originals.set(name, childProcess[name]);
    Object.assign(childProcess, {
      [name]: (file: unknown) => {
        throw new Error(
          `a unit test started a process (child_process.${name} ${String(file)}): make it an integration test (name the file *.test.ts, not *.unit.test.ts)`,
        );
      },
    });
  }
});

afterAll(() => {
  for (const [name, original] of originals) Object.assign(childProcess, { [name]: original });
});
