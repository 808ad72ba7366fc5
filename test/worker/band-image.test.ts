/** The picture of the band a record carries: what the report shows beside the photo's thumbnail. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { RECORDS_FILE } from "../../contracts/node-setup";
import { parseResultRecords, type ResultRecord } from "../../contracts/result-record";
import { runBatch } from "../../worker/batch";

const SAMPLE = path.join(__dirname, "../../samples/meter-004.jpg");
let out: string;
let record: ResultRecord;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "band-image-"));
  await runBatch({ photos: [SAMPLE], outDir: out });
  [record] = parseResultRecords(await readFile(path.join(out, RECORDS_FILE), "utf8")) as [ResultRecord];
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The picture a record carries, decoded. */
function picture(r: ResultRecord): PNG {
  const match = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(r.bandImage ?? "");
  expect(match).not.toBeNull();
  return PNG.sync.read(Buffer.from(match?.[1] ?? "", "base64"));
}

/** Runs of columns drawn in the cells' edge colour (yellow: red and green high, blue low). */
function edgeColumns(png: PNG): number[] {
  const runs: number[] = [];
  let inRun = false;
  for (let x = 0; x < png.width; x++) {
    let yellow = 0;
    for (let y = 0; y < png.height; y++) {
      const [r, g, b] = png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3);
      if ((r as number) > 200 && (g as number) > 180 && (b as number) < 80) yellow++;
    }
    const edge = yellow === png.height;
    if (edge && !inRun) runs.push(x);
    inRun = edge;
  }
  return runs;
}

describe("the band image in a worker's record", () => {
  test("a sample photo's record, as written to records.jsonl, carries a small picture of the band it read", () => {
    expect(record).toMatchObject({ photo: "meter-004.jpg", status: "ok", reading: "00339" });
    const png = picture(record);
    // A band: wider than high, at most 200 px wide, a few KB in the record.
    expect(png.width).toBeLessThanOrEqual(200);
    expect(png.width).toBeGreaterThan(2 * png.height);
    expect((record.bandImage ?? "").length).toBeLessThan(8000);
    // The digits are there: dark ink on the light wheels.
    const greys = Array.from({ length: png.width * png.height }, (_, i) => png.data[4 * i] as number);
    expect(greys.filter((v) => v < 80).length).toBeGreaterThan(0.03 * greys.length);
    expect(greys.filter((v) => v > 180).length).toBeGreaterThan(0.3 * greys.length);
  });

  test("the cells the worker placed are drawn on it: an edge line on each side of every wheel", () => {
    const wheels = record.counter?.wheels ?? 0;
    expect(wheels).toBe(5);
    const edges = edgeColumns(picture(record));
    // Side by side cells share an edge: from wheels + 1 lines (touching) to 2 per wheel (apart).
    expect(edges.length).toBeGreaterThanOrEqual(wheels + 1);
    expect(edges.length).toBeLessThanOrEqual(2 * wheels);
  });
});
