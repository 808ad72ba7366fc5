import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseResultRecord, parseResultRecords, RESULT_SCHEMA } from "../../contracts/result-record";
import { RECORDS_FILE } from "../../contracts/node-setup";
import { runBatch } from "../../worker/batch";
import { exifTime, inspectPhotos } from "../../worker/inspect";
import { DEFAULT_CAMERA, drawMeterPhoto, profileFor } from "../../scripts/meter-photos";

/**
 * An EXIF APP1 segment that holds only DateTimeOriginal (tag 0x9003 in the Exif IFD), written by
 * hand: no tool on this machine writes EXIF. Little-endian TIFF: header, IFD0 with the Exif IFD
 * pointer (0x8769), the Exif IFD, then the 20-byte ASCII value.
 */
function exifSegment(dateTimeOriginal: string): Buffer {
  const tiff = Buffer.alloc(64);
  tiff.write("II", 0, "latin1");
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0 at 8
  tiff.writeUInt16LE(1, 8); // one entry: the Exif IFD pointer, LONG, at 26
  tiff.writeUInt16LE(0x8769, 10);
  tiff.writeUInt16LE(4, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  tiff.writeUInt16LE(1, 26); // Exif IFD: one entry, DateTimeOriginal, ASCII, 20 bytes at 44
  tiff.writeUInt16LE(0x9003, 28);
  tiff.writeUInt16LE(2, 30);
  tiff.writeUInt32LE(20, 32);
  tiff.writeUInt32LE(44, 36);
  tiff.writeUInt32LE(0, 40);
  tiff.write(`${dateTimeOriginal}\0`, 44, "latin1");
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([head, Buffer.from("Exif\0\0", "latin1"), tiff]);
}

/** The JPEG with the segment right after its SOI marker. */
async function withExif(jpeg: string, out: string, dateTimeOriginal: string): Promise<void> {
  const bytes = await readFile(jpeg);
  await writeFile(out, Buffer.concat([bytes.subarray(0, 2), exifSegment(dateTimeOriginal), bytes.subarray(2)]));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "exif-time-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("when a photo was taken (EXIF DateTimeOriginal)", () => {
  test("EXIF's format becomes ISO 8601 local time, no zone added; blank or impossible values give none", () => {
    expect(exifTime("2026:01:03 10:00:00")).toBe("2026-01-03T10:00:00");
    expect(exifTime("2026:01:03 10:00:00\0 ")).toBe("2026-01-03T10:00:00");
    for (const bad of [
      "",
      "0000:00:00 00:00:00",
      "    :  :     :  :  ",
      "2026:02:30 10:00:00",
      "2026:01:03 24:00:00",
      "2026-01-03T10:00:00",
    ])
      expect(exifTime(bad)).toBeUndefined();
  });

  test("the worker's one identify -ping reads it; photos without it, with a blank one or unreadable are still told apart, names with spaces included", async () => {
    const plain = path.join(dir, "plain meter.jpg");
    drawMeterPhoto(plain, { reading: "00530", seed: 3 });
    const dated = path.join(dir, "dated meter 1.jpg");
    const blank = path.join(dir, "blank exif.jpg");
    const empty = path.join(dir, "empty one.jpg");
    await withExif(plain, dated, "2026:01:03 10:00:00");
    await withExif(plain, blank, "0000:00:00 00:00:00");
    await writeFile(empty, "");

    const seen = await inspectPhotos([dated, plain, blank, empty]);
    expect(seen.get(dated)).toEqual({ ok: true, width: 800, height: 600, takenAt: "2026-01-03T10:00:00" });
    expect(seen.get(plain)).toEqual({ ok: true, width: 800, height: 600 });
    expect(seen.get(blank)).toEqual({ ok: true, width: 800, height: 600 });
    expect(seen.get(empty)).toMatchObject({ ok: false, error: expect.stringMatching(/^not a readable image/) });

    // The record carries it, on disk too, and reads back through the contract.
    const out = path.join(dir, "out");
    const records = await runBatch({ photos: [dated, plain], profile: profileFor(DEFAULT_CAMERA, 5), outDir: out });
    const byPhoto = Object.fromEntries(records.map((r) => [r.photo, r]));
    expect(byPhoto["dated meter 1.jpg"]).toMatchObject({
      status: "ok",
      reading: "00530",
      takenAt: "2026-01-03T10:00:00",
    });
    expect(byPhoto["plain meter.jpg"]).toMatchObject({ status: "ok", reading: "00530" });
    expect(byPhoto["plain meter.jpg"]).not.toHaveProperty("takenAt");
    const onDisk = parseResultRecords(await readFile(path.join(out, RECORDS_FILE), "utf8"));
    expect(onDisk.find((r) => r.photo === "dated meter 1.jpg")?.takenAt).toBe("2026-01-03T10:00:00");
  });

  test("the result record contract takes takenAt as a string (schema unchanged) and refuses anything else", () => {
    const record = {
      schema: RESULT_SCHEMA,
      photo: "a.jpg",
      status: "ok",
      reading: "00530",
      confidence: 0.9,
      rawText: "00530",
      error: null,
      mode: "profile",
      timings: { convertMs: 1, ocrMs: 1, totalMs: 2 },
    };
    expect(parseResultRecord(JSON.stringify({ ...record, takenAt: "2026-01-03T10:00:00" })).takenAt).toBe(
      "2026-01-03T10:00:00",
    );
    expect(parseResultRecord(JSON.stringify(record)).takenAt).toBeUndefined();
    expect(() => parseResultRecord(JSON.stringify({ ...record, takenAt: 20260103 }))).toThrow(
      /takenAt must be a string/,
    );
    expect(() => parseResultRecord(JSON.stringify({ ...record, takenAt: null }))).toThrow(/takenAt must be a string/);
  });
});
