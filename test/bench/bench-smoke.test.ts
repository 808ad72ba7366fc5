/**
 * `npm run bench -- --quick` runs end to end and writes results JSON with every section. Figures
 * are not checked: timings belong in docs/performance.md, not in assertions.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

interface SectionJson {
  status?: string;
  reason?: string;
  samples?: { name: string; seconds: number; units: number }[];
  ratios?: Record<string, number | null>;
}

describe("bench --quick", () => {
  let dir: string;
  let results: {
    machine: { cores: number; cpuModel: string };
    versions: { node: string; tesseract: string; imagemagick: string };
    sections: Record<string, SectionJson>;
    goals: { goal: string; status: string }[];
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "bench-smoke-"));
    const out = path.join(dir, "results.json");
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    await exec(tsx, [path.join(ROOT, "bench", "cli.ts"), "--quick", "--out", out], { cwd: ROOT, maxBuffer: 1 << 24 });
    results = JSON.parse(await readFile(out, "utf8"));
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("records the machine and the versions it ran on", () => {
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.cpuModel).not.toBe("");
    expect(results.versions.node).toBe(process.version);
    expect(results.versions.tesseract).toMatch(/tesseract \d/);
    expect(results.versions.imagemagick).toMatch(/ImageMagick \d/);
  });

  it("measures every section: samples with time and units, and ratios", () => {
    expect(Object.keys(results.sections).sort()).toEqual(["ocr", "scale", "submission", "upload"]);
    for (const name of ["ocr", "submission", "upload"]) {
      const section = results.sections[name]!;
      expect({ name, status: section.status }).toEqual({ name, status: "measured" });
      expect(section.samples?.length).toBeGreaterThan(0);
      for (const s of section.samples ?? []) {
        expect(s.seconds).toBeGreaterThan(0);
        expect(s.units).toBeGreaterThan(0);
      }
      expect(section.ratios).toBeDefined();
    }
  });

  it("submits, lists every task page by page, and uploads nothing twice", () => {
    const sub = results.sections.submission as SectionJson & {
      tasks: number;
      listing: { counted: number; expected: number; pages: number }[];
    };
    for (const l of sub.listing) expect(l.counted).toBe(sub.tasks);
    const upload = results.sections.upload as SectionJson & {
      secondRunBytesSent: number;
      latencyMs: number;
      samples: { units: number; extra?: { requests?: number } }[];
    };
    expect(upload.secondRunBytesSent).toBe(0);
    // Through the latency proxy by default: every photo paid the delay at least once.
    expect(upload.latencyMs).toBe(20);
    for (const s of upload.samples) expect(s.extra?.requests).toBeGreaterThanOrEqual(s.units);
  });

  it("plans and submits growing photo counts in a child process, reporting its peak memory", () => {
    const scale = results.sections.scale as unknown as {
      status: string;
      samples: { photos: number; tasks: number; maxRssMB: number }[];
    };
    expect(scale.status).toBe("measured");
    expect(scale.samples.map((s) => s.photos)).toEqual([...scale.samples.map((s) => s.photos)].sort((a, b) => a - b));
    for (const s of scale.samples) {
      expect(s.tasks).toBeGreaterThan(0);
      expect(s.maxRssMB).toBeGreaterThan(10);
    }
  });

  it("measures OCR against both baselines and the floor, on the same photo count", () => {
    const ocr = results.sections.ocr as SectionJson & { photos: number };
    const names = new Set(ocr.samples?.map((s) => s.name));
    expect([...names].sort()).toEqual(["loop", "parallel", "pipeline", "workerAlone"]);
    for (const s of ocr.samples ?? []) expect(s.units).toBe(ocr.photos);
    for (const key of ["vsLoop", "vsParallel", "fractionOfFloor"]) expect(typeof ocr.ratios?.[key]).toBe("number");
  });

  it("checks every goal of the issue", () => {
    expect(results.goals).toHaveLength(10);
    for (const g of results.goals) expect(["met", "missed", "not measured"]).toContain(g.status);
  });
});
