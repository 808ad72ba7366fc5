import { runStats } from "../../tasks/run-stats";

describe("runStats", () => {
  test("wall time spans all tasks; node-hours add each node's span from its first start to its last end", () => {
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 10, minutes));
    const stats = runStats([
      { nodeId: "n1", startTime: at(0), endTime: at(10) },
      { nodeId: "n1", startTime: at(20), endTime: at(30) },
      { nodeId: "n2", startTime: at(5), endTime: at(35) },
      // Requeued: Batch dropped its node, its times still bound the run.
      { startTime: at(1).toISOString(), endTime: at(40).toISOString() },
      { nodeId: "n3" },
    ]);
    expect(stats).toEqual({ wallMs: 40 * 60_000, nodeHours: (30 + 30) / 60, nodes: 2 });
  });

  test("no task with both times: unknown, not zero", () => {
    expect(runStats([{ nodeId: "n1", startTime: new Date() }])).toEqual({ wallMs: null, nodeHours: null, nodes: 0 });
  });
});
