import { jobStart, progressLine } from "../../tasks/monitor";

const counts = (completed: number, total: number) => ({
  active: total - completed - 1,
  running: 1,
  completed,
  succeeded: completed,
  failed: 0,
});

describe("the progress line", () => {
  test("after a resume: elapsed, the time left and photos/s count from the job's start and its done tasks", () => {
    // The job started 10 minutes before this poll and has 3 of its 6 tasks (30 photos) done,
    // most of them before this command started: the pace is 10 minutes per 3 tasks.
    const now = Date.UTC(2026, 0, 1, 10, 10);
    const started = jobStart(
      {
        creationTime: new Date(Date.UTC(2026, 0, 1, 9, 59)),
        executionInfo: { startTime: new Date(Date.UTC(2026, 0, 1, 10, 0)), poolId: "p" },
      },
      now - 2000,
    );
    const line = progressLine({
      counts: counts(3, 6),
      totalTasks: 6,
      photos: 30,
      nodes: "2 running",
      elapsedMs: now - started,
    });
    expect(line).toBe(
      "3/6 tasks done (3 ok, 0 failed), 1 running, 2 waiting; nodes: 2 running; 10m00s elapsed, about 10m00s left, 0.03 photos/s",
    );
  });

  test("before any task is done: no estimate and no rate rather than zeros", () => {
    expect(progressLine({ counts: counts(0, 4), totalTasks: 4, photos: 40, nodes: "none yet", elapsedMs: 5000 })).toBe(
      "0/4 tasks done (0 ok, 0 failed), 1 running, 3 waiting; nodes: none yet; 5s elapsed",
    );
  });

  test("the job's start is Batch's, unless Batch gives none or a time after this command's start (a clock ahead of ours)", () => {
    const commandStart = Date.UTC(2026, 0, 1, 12);
    expect(jobStart({}, commandStart)).toBe(commandStart);
    expect(jobStart({ creationTime: new Date(commandStart - 60_000) }, commandStart)).toBe(commandStart - 60_000);
    expect(jobStart({ creationTime: new Date(commandStart + 60_000) }, commandStart)).toBe(commandStart);
  });
});
