import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import yauzl from "yauzl";
import { appPackageEnvVar, WORKER_ENTRY } from "../../contracts/node-setup";
import { parseResultRecords, RESULT_SCHEMA } from "../../contracts/result-record";
import { RECORDS_FILE } from "../../contracts/node-setup";
import { runBatch } from "../../worker/batch";
import { buildWorkerPackage } from "../../worker/package";
import { DEFAULT_CAMERA, drawMeterPhoto, profileFor } from "../../scripts/meter-photos";

const SYNTHETIC_PROFILE = profileFor(DEFAULT_CAMERA, 5);

const READINGS = ["00530", "04271", "19083", "00007", "65432", "30918"];
let dir: string;
let photos: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "worker-test-"));
  photos = READINGS.map((reading, i) => {
    const file = path.join(dir, `meter-${i}.jpg`);
    drawMeterPhoto(file, { reading, seed: i + 1, glare: i % 2 === 0 ? [300 + 40 * i, 260] : undefined });
    return file;
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the OCR worker", () => {
  test("reads synthetic meters with known readings, leading zeros kept, confident", async () => {
    const out = path.join(dir, "out-known");
    const records = await runBatch({ photos, profile: SYNTHETIC_PROFILE, outDir: out, concurrency: 2 });
    const byPhoto = Object.fromEntries(records.map((r) => [r.photo, r]));
    READINGS.forEach((reading, i) => {
      expect({
        photo: `meter-${i}.jpg`,
        status: byPhoto[`meter-${i}.jpg`]?.status,
        reading: byPhoto[`meter-${i}.jpg`]?.reading,
      }).toEqual({
        photo: `meter-${i}.jpg`,
        status: "ok",
        reading,
      });
      expect(byPhoto[`meter-${i}.jpg`]?.confidence).toBeGreaterThanOrEqual(0.6);
    });
    // The same records are on disk, one JSON line per photo, in the versioned contract.
    const onDisk = parseResultRecords(await readFile(path.join(out, RECORDS_FILE), "utf8"));
    expect(onDisk.map((r) => r.photo).sort()).toEqual(records.map((r) => r.photo).sort());
    expect(onDisk.every((r) => r.schema === RESULT_SCHEMA && r.mode === "profile")).toBe(true);
  });

  test("bad photos each get a clear error record and the rest of the batch is read", async () => {
    const bad = path.join(dir, "bad");
    await mkdir(bad);
    const good = [path.join(bad, "meter 1 ünïcode.jpg"), path.join(bad, "..dots..jpg")];
    await copyFile(photos[0] as string, good[0] as string);
    await copyFile(photos[1] as string, good[1] as string);
    await writeFile(path.join(bad, "empty.jpg"), "");
    const jpeg = await readFile(photos[2] as string);
    await writeFile(path.join(bad, "truncated.jpg"), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    await writeFile(path.join(bad, "notes.jpg"), "this is a text file, not a photo\n");
    execFileSync("convert", ["-size", "9000x6700", "xc:gray", "-quality", "5", path.join(bad, "huge.jpg")]);

    const all = [...good, ...["empty", "truncated", "notes", "huge"].map((n) => path.join(bad, `${n}.jpg`))];
    const records = await runBatch({ photos: all, profile: SYNTHETIC_PROFILE, outDir: path.join(bad, "out") });
    const byPhoto = Object.fromEntries(records.map((r) => [r.photo, r]));

    expect(records).toHaveLength(all.length);
    expect(byPhoto["meter 1 ünïcode.jpg"]).toMatchObject({ status: "ok", reading: "00530" });
    expect(byPhoto["..dots..jpg"]).toMatchObject({ status: "ok", reading: "04271" });
    expect(byPhoto["empty.jpg"]).toMatchObject({
      status: "error",
      error: expect.stringMatching(/not a readable image/),
    });
    expect(byPhoto["notes.jpg"]).toMatchObject({
      status: "error",
      error: expect.stringMatching(/not a readable image/),
    });
    expect(byPhoto["huge.jpg"]).toMatchObject({
      status: "error",
      error: "photo too large: 9000x6700 is over 40 megapixels",
    });
    // A truncated JPEG decodes partly: it must not pass as a confident reading of the full counter.
    expect(byPhoto["truncated.jpg"]).toMatchObject({
      status: "error",
      error: "corrupt image: Premature end of JPEG file",
    });
  });

  test("a profile whose window lies off the photo (as displayed, EXIF orientation applied) is an error that says so, not 'unreadable'", async () => {
    const size = execFileSync("identify", ["-format", "%w %h", photos[0] as string], { encoding: "utf8" })
      .split(" ")
      .map(Number) as [number, number];
    const [width, height] = size;
    const outside = { ...SYNTHETIC_PROFILE, crop: { x: width + 10, y: 0, width: 200, height: 100 } };
    const records = await runBatch({
      photos: photos.slice(0, 2),
      profile: outside,
      outDir: path.join(dir, "out-off-photo"),
    });
    expect(records.map((r) => r.status)).toEqual(["error", "error"]);
    expect(records[0]?.error).toBe(
      `profile error: the profile's crop 200x100+${width + 10}+0 lies outside the photo (${width}x${height} as displayed): fix the profile's window for photos of this size`,
    );

    // Turned a quarter by its orientation tag (a TIFF: ImageMagick writes no EXIF into a JPEG), the photo is displayed `height` wide: a window
    // that would fit the stored pixels lies mostly off it.
    const turned = path.join(dir, "turned.tif");
    execFileSync("convert", [photos[0] as string, "-orient", "RightTop", turned]);
    const past = { ...SYNTHETIC_PROFILE, crop: { x: height - 20, y: 0, width: 100, height: 100 } };
    const [record] = await runBatch({ photos: [turned], profile: past, outDir: path.join(dir, "out-turned") });
    expect(record?.error).toMatch(
      new RegExp(
        `^profile error: .* lies mostly outside \\(20 % inside\\) the photo \\(${height}x${width} as displayed\\)`,
      ),
    );
  });

  test("a wheel caught between two digits reads as the lower digit by the shapes of its pieces, half-way and carries included", async () => {
    const cases = [
      { reading: "04279", turn: 0.75 }, // shows 0428 and an incoming 0: the 9 has not finished
      { reading: "00539", turn: 0.78 }, // two wheels carrying
      { reading: "00530", turn: 0.12 }, // barely turned: still its own digit
      { reading: "00007", turn: 0.5 }, // half of a 7 and half of an 8
      { reading: "00013", turn: 0.4 }, // the foot of a 3, which Tesseract takes for a 5's
      { reading: "00549", turn: 0.55 }, // two wheels half-way through a carry
      // Refused, never guessed: wheels half-way through a carry that outnumber the square ones
      // make a row of their own (of half digits), which the locator takes for the counter's; every
      // wheel turning leaves no square digit to measure the others by.
      { reading: "00999", turn: 0.55 },
      { reading: "19999", turn: 0.6 },
    ];
    const files = cases.map((c, i) => {
      const file = path.join(dir, `turn-${i}.jpg`);
      drawMeterPhoto(file, { ...c, seed: 100 + i });
      return file;
    });
    // A batch this small has not shown every digit whole: the profile's typeface stands in.
    const records = await runBatch({
      photos: files,
      profile: SYNTHETIC_PROFILE,
      outDir: path.join(dir, "out-turn"),
      concurrency: 2,
    });
    const byPhoto = Object.fromEntries(records.map((r) => [r.photo, r]));
    const readable = cases.slice(0, -2);
    readable.forEach((c, i) =>
      expect({
        photo: i,
        status: byPhoto[`turn-${i}.jpg`]?.status,
        reading: byPhoto[`turn-${i}.jpg`]?.reading,
      }).toEqual({ photo: i, status: "ok", reading: c.reading }),
    );
    for (const i of [readable.length, readable.length + 1])
      expect(byPhoto[`turn-${i}.jpg`]).toMatchObject({ status: "unreadable", reading: null });
    // The record says how the turning wheel was read: what its shapes say after a tilde.
    expect(byPhoto["turn-3.jpg"]?.rawText).toMatch(/~7$/);

    // Without a typeface, the same small batch falls back to Tesseract on the pieces: half-way is unreadable, not a guess.
    const { typeface: _typeface, ...withoutTypeface } = SYNTHETIC_PROFILE;
    const fallback = await runBatch({
      photos: [files[3] as string],
      profile: withoutTypeface,
      outDir: path.join(dir, "out-turn-fallback"),
    });
    expect(fallback[0]).toMatchObject({
      status: "unreadable",
      reading: null,
      error: expect.stringMatching(/^wheel 5/),
    });
  });

  test("a typeface ImageMagick cannot draw stops the batch before any record, naming it", async () => {
    const out = path.join(dir, "out-typeface");
    await expect(
      runBatch({
        photos: [photos[0] as string],
        profile: { ...SYNTHETIC_PROFILE, typeface: "No-Such-Typeface" },
        outDir: out,
      }),
    ).rejects.toThrow(/cannot draw digits in typeface "No-Such-Typeface"/);
    await expect(readFile(path.join(out, RECORDS_FILE), "utf8")).rejects.toThrow(/ENOENT/);
  });

  test("a profile with the wrong number of wheels gives unreadable, with the reason, not a number", async () => {
    const records = await runBatch({
      photos: [photos[1] as string],
      profile: { ...SYNTHETIC_PROFILE, digits: 6 },
      outDir: path.join(dir, "out-digits"),
    });
    expect(records[0]).toMatchObject({
      status: "unreadable",
      reading: null,
      error: "5 digit cells found, the profile says 6",
    });
  });

  test("the bundle runs as Batch runs it: node worker.js from the unzipped application package, photos in the task dir", async () => {
    const pkgDir = path.join(dir, "pkg");
    const pkg = await buildWorkerPackage({ outDir: pkgDir });
    const appDir = path.join(pkgDir, "app");
    const taskDir = path.join(dir, "task", "wd");
    await mkdir(path.join(taskDir, "images"), { recursive: true });
    await mkdir(appDir, { recursive: true });
    await unzipInto(pkg.zipPath, appDir);
    for (const p of photos.slice(0, 3)) await copyFile(p, path.join(taskDir, "images", path.basename(p)));
    await writeFile(path.join(taskDir, "profile.json"), JSON.stringify(SYNTHETIC_PROFILE));

    const envVar = appPackageEnvVar("ocrworker", pkg.version);
    // Batch runs command lines without a shell; the task's command line calls bash itself.
    const out = execFileSync(
      "/bin/bash",
      ["-c", `node "$${envVar}/${WORKER_ENTRY}" --profile profile.json --input images --out results`],
      {
        cwd: taskDir,
        encoding: "utf8",
        env: { PATH: process.env.PATH, [envVar]: appDir },
      },
    );
    expect(out).toContain("3 photos: 3 read, 0 unreadable, 0 errors");
    const records = parseResultRecords(await readFile(path.join(taskDir, "results", RECORDS_FILE), "utf8"));
    expect(records.map((r) => [r.photo, r.reading]).sort()).toEqual([
      ["meter-0.jpg", "00530"],
      ["meter-1.jpg", "04271"],
      ["meter-2.jpg", "19083"],
    ]);
  });

  test("bad usage stops with a clear message and exit 1", () => {
    const run = (args: string[]) => {
      try {
        execFileSync(
          process.execPath,
          [require.resolve("tsx/cli"), path.join(__dirname, "..", "..", "worker", "main.ts"), ...args],
          { encoding: "utf8", stdio: "pipe" },
        );
        return { code: 0, stderr: "" };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { code: e.status, stderr: e.stderr };
      }
    };
    expect(run([])).toEqual({ code: 1, stderr: expect.stringContaining("no photos given") });
    expect(run(["--profile", path.join(dir, "nope.json"), photos[0] as string])).toEqual({
      code: 1,
      stderr: expect.stringContaining(`cannot read the profile ${path.join(dir, "nope.json")}`),
    });
  });
});

function unzipInto(zipPath: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on(
            "end",
            () =>
              void writeFile(path.join(into, entry.fileName), Buffer.concat(chunks)).then(
                () => zip.readEntry(),
                reject,
              ),
          );
        });
      });
      zip.on("end", () => resolve());
      zip.readEntry();
    });
  });
}
