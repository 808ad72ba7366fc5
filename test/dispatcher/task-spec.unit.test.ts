import { appPackageEnvVar } from "../../contracts/node-setup";
import { buildTask } from "../../tasks/task-spec";

const STORAGE = {
  kind: "identity",
  identityResourceId: "/id/pool",
  imagesUrl: "https://st/images",
  resultsUrl: "https://st/results",
} as const;

describe("a task and the worker package it runs", () => {
  test("the task references the package version of the stack outputs itself, so a new deploy is used by the next job without reimaging nodes", () => {
    const task = buildTask(
      { id: "t1", blobs: ["photos/a.jpg"] },
      { jobId: "j", applicationId: "ocrworker", applicationVersion: "0123456789ab", storage: STORAGE },
    );
    expect(task.applicationPackageReferences).toEqual([{ applicationId: "ocrworker", version: "0123456789ab" }]);
    // The command line runs that same version, not whichever the pool's nodes were started with.
    expect(task.commandLine).toContain(`$${appPackageEnvVar("ocrworker", "0123456789ab")}/`);
  });
});
