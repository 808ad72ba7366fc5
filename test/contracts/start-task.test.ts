/** The start task's command line run on this machine, as a local "node" runs it (a real bash). */
import { execFileSync } from "node:child_process";
import { startTaskCommandLine, WORKER_APT_PACKAGES } from "../../contracts/node-setup";

describe("node setup contract", () => {
  test("the start task installs exactly the worker's packages, and skips apt where the tools exist", () => {
    const cmd = startTaskCommandLine();
    expect(cmd).toContain(`apt-get install -y -q --no-install-recommends ${WORKER_APT_PACKAGES.join(" ")}`);
    // This machine has ImageMagick, Tesseract and Node (CI installs them): the start task must
    // succeed here without touching apt, which is what a local "node" relies on.
    const script = /^\/bin\/bash -c "(.*)"$/.exec(cmd)?.[1];
    expect(script).toBeDefined();
    const out = execFileSync("/bin/bash", ["-c", String(script)], {
      encoding: "utf8",
      env: { ...process.env, PATH: process.env.PATH },
    });
    expect(out).toMatch(/^tesseract \d+\.\d+/m);
    expect(out).toMatch(/^v\d+\./m);
    expect(out).not.toMatch(/apt-get|Reading package lists/);
  });
});
