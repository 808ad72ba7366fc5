/**
 * A glare stripe across a digit, on generated photos read with real ImageMagick and Tesseract:
 * the stripe no longer joins the digit's ink, so it reads as itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeSampleSet } from "../../scripts/generate-samples";
import { styleNamed } from "../../scripts/meter-styles";
import { runBatch } from "../../worker/batch";

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "glare-stripes-test-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a 2 crossed by a narrow glare stripe reads as a 2, not as the 4 the stripe and the 2 made", async () => {
  // Sixteen photos of the glare-stripes style, seed 131: photo 16 shows 21522 with a stripe
  // through the first wheel's 2, read 41522 (marked ok) by Tesseract and by shape alike.
  const sample = writeSampleSet(path.join(dir, "set"), 16, 131, styleNamed("glare-stripes")!);
  expect(sample.photos[15]?.reading).toBe("21522");
  const records = await runBatch({
    photos: sample.photos.map((p) => path.join(dir, "set", p.photo)),
    profile: sample.profile,
    outDir: path.join(dir, "out"),
    concurrency: 2,
  });
  expect(records[15]).toMatchObject({ status: "ok", reading: "21522" });
  // Nothing read is wrong, and most of the set is read.
  const ok = records.filter((r) => r.status === "ok");
  for (const r of ok) expect(r.reading).toBe(sample.photos.find((p) => p.photo === r.photo)?.reading);
  expect(ok.length).toBeGreaterThanOrEqual(12);
}, 300_000);
