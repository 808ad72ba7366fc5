import { imagesPerTask, MAX_IMAGES_PER_TASK, planTasks } from "../../tasks/plan";
import { MANIFEST_SCHEMA, parseManifest, resumeMismatch } from "../../tasks/manifest";
import { poolCapacity, poolProblem } from "../../tasks/pool";

const blobs = (n: number) => Array.from({ length: n }, (_, i) => `photos/${i.toString(16).padStart(64, "0")}.jpg`);

describe("planTasks", () => {
  test("every photo in exactly one task, each task at most the chosen size", () => {
    const names = blobs(1003);
    const tasks = planTasks(names, { capacity: 8 });
    const size = imagesPerTask(1003, { capacity: 8 });
    expect(tasks.flatMap((t) => t.blobs).sort()).toEqual([...names].sort());
    expect(tasks.every((t) => t.blobs.length <= size && t.blobs.length > 0)).toBe(true);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
    expect(tasks.every((t) => /^[A-Za-z0-9_-]{1,64}$/.test(t.id))).toBe(true);
  });

  test("the same photos in any order give the same task ids; other photos give other ids", () => {
    const names = blobs(50);
    const a = planTasks(names, { capacity: 4 });
    const b = planTasks([...names].reverse(), { capacity: 4 });
    expect(b).toEqual(a);
    const c = planTasks([...names.slice(1), "photos/ff.jpg"], { capacity: 4 });
    expect(c.map((t) => t.id)).not.toEqual(a.map((t) => t.id));
  });

  test("duplicate blobs (equal photos under two names) are read once", () => {
    const names = blobs(10);
    expect(planTasks([...names, ...names], { capacity: 2 }).flatMap((t) => t.blobs)).toHaveLength(10);
  });

  test("a few photos fill the slots; many photos make tasks large enough to amortize overhead, a few waves per slot", () => {
    expect(planTasks(blobs(12), { capacity: 4 })).toHaveLength(4);
    const many = imagesPerTask(4000, { capacity: 8 });
    expect(many).toBeGreaterThanOrEqual(10);
    const tasks = Math.ceil(4000 / many);
    expect(tasks).toBeGreaterThanOrEqual(8 * 2);
    expect(imagesPerTask(10_000_000, { capacity: 8 })).toBe(MAX_IMAGES_PER_TASK);
    expect(imagesPerTask(200, { capacity: 1000 })).toBe(1);
  });

  test("tasks come in whole waves: the last round of tasks keeps most slots busy", () => {
    expect(planTasks(blobs(48), { capacity: 4 })).toHaveLength(4); // not 5 tasks of 10, which take two rounds
    for (const capacity of [2, 4, 8, 16]) {
      for (let n = capacity; n <= 3000; n += 7) {
        const size = imagesPerTask(n, { capacity });
        const tasks = Math.ceil(n / size);
        const lastWave = tasks - (Math.ceil(tasks / capacity) - 1) * capacity;
        expect({ capacity, n, lastWaveFill: lastWave / Math.min(capacity, tasks) >= 0.75 }).toEqual({
          capacity,
          n,
          lastWaveFill: true,
        });
      }
    }
  });

  test("--images-per-task overrides the choice", () => {
    const tasks = planTasks(blobs(25), { capacity: 4, imagesPerTask: 10 });
    expect(tasks.map((t) => t.blobs.length)).toEqual([10, 10, 5]);
    expect(() => planTasks(blobs(3), { capacity: 4, imagesPerTask: 0 })).toThrow(/whole number/);
  });
});

describe("pool capacity and health", () => {
  test("an autoscaling pool offers its formula's maximum; a fixed pool its size", () => {
    expect(
      poolCapacity({
        enableAutoScale: true,
        autoScaleFormula: "$minNodes = 0;\n$maxNodes = 6;",
        currentDedicatedNodes: 0,
        taskSlotsPerNode: 2,
      }),
    ).toBe(12);
    expect(
      poolCapacity({ enableAutoScale: false, targetDedicatedNodes: 3, currentDedicatedNodes: 1, taskSlotsPerNode: 4 }),
    ).toBe(12);
    expect(poolCapacity({ enableAutoScale: false, targetDedicatedNodes: 0, taskSlotsPerNode: 2 })).toBe(2);
  });

  test("fails fast with what to do: start task failed, unusable nodes, no nodes and no autoscale", () => {
    const pool = { id: "p", enableAutoScale: false, targetDedicatedNodes: 2, allocationState: "steady" as const };
    expect(
      poolProblem(pool, [
        {
          id: "n1",
          state: "starttaskfailed",
          startTaskInfo: { exitCode: 100, state: "completed", startTime: new Date(), retryCount: 0 },
        },
        { id: "n2", state: "starttaskfailed" },
      ]),
    ).toMatch(/start task failed on 2 of 2.*exit code 100.*startup\/stderr.txt/);
    expect(poolProblem(pool, [{ id: "n1", state: "unusable" }])).toMatch(/unusable; reboot or remove them/);
    // Node states new in API 2025-06-01, which @azure/batch 10.2.0's types do not list.
    expect(poolProblem(pool, [{ id: "n1", state: "deallocated" as never }])).toMatch(/deallocated; start them/);
    expect(poolProblem(pool, [{ id: "n1", state: "upgradingos" as never }])).toBeUndefined();
    expect(poolProblem({ ...pool, targetDedicatedNodes: 0 }, [])).toMatch(/no nodes and no autoscale.*resize/);
    expect(
      poolProblem(pool, [
        { id: "n1", state: "starttaskfailed" },
        { id: "n2", state: "idle" },
      ]),
    ).toBeUndefined();
    expect(poolProblem({ ...pool, enableAutoScale: true, targetDedicatedNodes: 0 }, [])).toBeUndefined();
    expect(poolProblem(pool, [{ id: "n1", state: "starting" }])).toBeUndefined();
  });
});

describe("job manifest", () => {
  const manifest = {
    schema: MANIFEST_SCHEMA,
    jobId: "j",
    createdAt: "2026-01-01T00:00:00Z",
    capacity: 4,
    profileSha256: null,
    photos: [{ name: "a.jpg", blobName: "photos/aa.jpg", size: 3 }],
    tasks: [{ id: "ocr-0-x", blobs: ["photos/aa.jpg"] }],
  };

  test("a resume is refused for other photos or another profile, allowed for the same", () => {
    expect(resumeMismatch(manifest, manifest.photos, null)).toBeUndefined();
    expect(
      resumeMismatch(manifest, [...manifest.photos, { name: "b.jpg", blobName: "photos/bb.jpg", size: 1 }], null),
    ).toMatch(/different set of photos \(1 new or changed, 0 missing\); use a new --job-id/);
    expect(resumeMismatch(manifest, [{ ...manifest.photos[0]!, blobName: "photos/cc.jpg" }], null)).toMatch(
      /1 new or changed, 1 missing/,
    );
    expect(resumeMismatch(manifest, manifest.photos, "abc")).toMatch(/different meter profile/);
  });

  test("a stored manifest is read back, and a foreign or damaged one refused", () => {
    expect(parseManifest(JSON.stringify(manifest), "m")).toEqual(manifest);
    expect(() => parseManifest(JSON.stringify({ ...manifest, schema: "batch-ocr/manifest@9" }), "m")).toThrow(
      'm: schema is "batch-ocr/manifest@9", which this version does not read (it reads batch-ocr/manifest@1)',
    );
    expect(() => parseManifest(JSON.stringify({ ...manifest, tasks: [{ id: "t" }] }), "m")).toThrow(
      "m: tasks.0.blobs must be a list of blob names",
    );
    expect(() =>
      parseManifest(JSON.stringify({ ...manifest, capacity: 1.5, photos: [{ name: "a.jpg", blobName: "" }] }), "m"),
    ).toThrow(
      "m: capacity must be a whole number of task slots; photos.0.blobName must be a non-empty string; photos.0.size must be a size in bytes",
    );
    expect(() => parseManifest("{", "m")).toThrow(/m is not JSON/);
  });
});
