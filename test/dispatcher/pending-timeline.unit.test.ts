/**
 * `npm run autoscale -- --job ID`: a job's task history as the pending tasks Batch's
 * $PendingTasks would have counted (active + running), minute by minute.
 */
import { pendingTimeline, taskSpan } from "../../tasks/pending-timeline";

const T0 = Date.parse("2026-03-02T08:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);

describe("pendingTimeline", () => {
  test("a task is pending from its creation to its completion, waiting or running alike", () => {
    // One slot: the second task waits (active) while the first runs, then runs itself.
    const spans = [
      taskSpan({ creationTime: at(0), state: "completed", executionInfo: { endTime: at(120) } }),
      taskSpan({ creationTime: at(6), state: "completed", executionInfo: { endTime: at(240) } }),
    ].filter((s) => s !== undefined);
    const timeline = pendingTimeline(spans, T0 + 3_600_000);
    expect(timeline).toEqual({
      start: T0,
      points: [
        { minute: 0, pending: 1 },
        { minute: 0.1, pending: 2 },
        { minute: 2, pending: 1 },
        { minute: 4, pending: 0 },
      ],
      tasks: 2,
      unfinished: 0,
      endMinute: 4,
    });
  });

  test("tasks added together are one step; a task its job ended before it ran stops at its state change", () => {
    const timeline = pendingTimeline(
      [
        taskSpan({ creationTime: at(0), state: "completed", executionInfo: { endTime: at(60) } }),
        taskSpan({ creationTime: at(0), state: "completed", executionInfo: { endTime: at(60) } }),
        // Terminated with its job: completed, no execution end.
        taskSpan({ creationTime: at(0), state: "completed", stateTransitionTime: at(90) }),
      ].filter((s) => s !== undefined),
      T0 + 3_600_000,
    );
    expect(timeline?.points).toEqual([
      { minute: 0, pending: 3 },
      { minute: 1, pending: 1 },
      { minute: 1.5, pending: 0 },
    ]);
  });

  test("a task not completed yet is pending until now, and says so", () => {
    const timeline = pendingTimeline(
      [
        taskSpan({ creationTime: at(0), state: "completed", executionInfo: { endTime: at(60) } }),
        taskSpan({ creationTime: at(0), state: "running", stateTransitionTime: at(10) }),
      ].filter((s) => s !== undefined),
      T0 + 5 * 60_000,
    );
    expect(timeline).toMatchObject({
      points: [
        { minute: 0, pending: 2 },
        { minute: 1, pending: 1 },
      ],
      unfinished: 1,
      endMinute: 5,
    });
  });

  test("no tasks, no timeline", () => {
    expect(pendingTimeline([], T0)).toBeUndefined();
  });
});
