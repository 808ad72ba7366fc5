/**
 * The last-resort guard of `npm run local`: in a real Node process, a rejection nobody handled is
 * logged with its stack and the process goes on; without the guard, the same process dies.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT, TSX } from "./local-cli-process";

const STRAY = "stray rejection for the guard test";

/** Runs a process that rejects a promise nobody handles, then, 300 ms later, says it still runs. */
function strayRejection(guarded: boolean): Promise<{ code: number | null; out: string }> {
  const guard = path.join(ROOT, "local", "keep-serving.ts");
  const script = [
    guarded ? `require(${JSON.stringify(guard)}).keepServingOnUnhandledRejections((line) => console.log(line));` : "",
    `async function failing() { throw new Error(${JSON.stringify(STRAY)}); }`,
    "failing();",
    `setTimeout(() => console.log("still serving"), 300);`,
  ].join("\n");
  return new Promise((resolve) => {
    const child = spawn(TSX, ["--eval", script], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

it("logs an unhandled rejection with its stack and keeps the process running", async () => {
  const { code, out } = await strayRejection(true);
  expect(out).toContain(`unhandled rejection (a bug in the local service; it keeps serving): Error: ${STRAY}`);
  expect(out).toMatch(/\n\s+at failing /);
  expect(out).toContain("still serving");
  expect(code).toBe(0);
});

it("without it, the same rejection ends the process (what the guard is for)", async () => {
  const { code, out } = await strayRejection(false);
  expect(out).toContain(STRAY);
  expect(out).not.toContain("still serving");
  expect(code).not.toBe(0);
});
