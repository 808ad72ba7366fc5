/**
 * `npm run ocr` killed with SIGKILL (no exit handler runs) while its in-process local cloud runs
 * tasks: Azurite and the task processes end with it, and the temp folder it left is removed by
 * the next start, which leaves alone the folders of live runs and folders it does not own; the
 * killed workers leave no scratch folder in the node's temp folder.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fg from "fast-glob";
import { OWNER_FILE } from "../../local/owned-temp-dir";
import { pollUntil, processesWith } from "../local/service/fixture";
import { ROOT, runCli } from "./run-cli";
import { SAMPLES } from "./samples";

let temp: string;
beforeAll(() => {
  temp = mkdtempSync(path.join(tmpdir(), "ocr-orphans-"));
});
afterAll(() => {
  // A failed test must not leave its processes running.
  for (const pid of processesWith(temp, temp)) process.kill(pid, "SIGKILL");
  rmSync(temp, { recursive: true, force: true });
});

/** Processes of the run: Azurite names the temp folder on its command line, tasks run inside it. */
const processesOfRun = () => processesWith(temp, temp);
/** Tasks only: processes whose working directory is a node's. */
const taskProcesses = () => processesWith(undefined, temp);
/** The workers' scratch folders, in the temp folder or in their tasks' directories. */
const scratchFolders = () =>
  fg.sync("**/ocr-worker-*", { cwd: temp, onlyDirectories: true, deep: 12, suppressErrors: true });

test("after a SIGKILL of the dispatcher nothing it started runs on, and a later start removes its temp folder", async () => {
  const out = path.join(temp, "out");
  const env = { ...process.env, TMPDIR: temp };
  const run = await runCli(
    [
      "--local",
      "--input",
      SAMPLES,
      "--profile",
      path.join(SAMPLES, "profile.json"),
      "--out",
      out,
      "--images-per-task",
      "1",
      "--poll",
      "0.5",
    ],
    {
      env,
      // Once workers run and have made their scratch folders, wherever those are.
      killWhen: (stderr) => /^submit: /m.test(stderr) && taskProcesses().length > 0 && scratchFolders().length > 0,
    },
  );
  expect(run.signal).toBe("SIGKILL");

  await pollUntil("the run's processes to end", async () => (processesOfRun().length === 0 ? true : undefined), 10_000);

  const left = readdirSync(temp).filter((name) => name.startsWith("batch-ocr-local-"));
  expect(left).toHaveLength(1);
  // Beside it: a live run's folder (this test process owns it) and a folder that is not ours.
  const live = path.join(temp, "batch-ocr-local-live");
  mkdirSync(live);
  writeFileSync(path.join(live, OWNER_FILE), `${process.pid} ?\n`);
  const foreign = path.join(temp, "batch-ocr-local-foreign");
  mkdirSync(foreign);

  // A later start in a process of its own (jest gives a test its own copy of process.env, which os.tmpdir() does not read).
  const later = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      'require("./local/index.ts").startLocalCloud({ inMemoryStorage: true }).then((c) => c.stop())',
    ],
    { cwd: ROOT, env, encoding: "utf8" },
  );
  expect(later.stderr).toBe("");
  expect(later.status).toBe(0);
  expect(
    readdirSync(temp)
      .filter((name) => name.startsWith("batch-ocr-local-"))
      .sort(),
  ).toEqual(["batch-ocr-local-foreign", "batch-ocr-local-live"]);
  // The killed workers' scratch folders were inside their tasks' directories, so they went too.
  expect(scratchFolders()).toEqual([]);
}, 180_000);
