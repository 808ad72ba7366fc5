import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseMeterProfile, type Point } from "../../contracts/meter-profile";
import {
  CLASSIC_LOOK,
  drawMeterPhoto,
  windowOutline,
  type Camera,
  type MeterPhotoSpec,
} from "../../scripts/meter-photos";
import { sampleSet } from "../../scripts/generate-samples";
import { styleNamed } from "../../scripts/meter-styles";
import { runBatch } from "../../worker/batch";
import { draftProfile, redWheelsAtEnd, searchPhoto, type PhotoSearch } from "../../worker/draft-profile";
import { run } from "../../worker/exec";
import { drawOverlay } from "../../worker/overlay";
import { main } from "../../worker/profile-cli";
import type { Located } from "../../worker/locate";

const ROOT = path.join(__dirname, "..", "..");

/** One camera on one meter, a little shake from photo to photo; every last wheel square, so each photo has one right reading. */
const CAMERA: Camera = { tilt: -9, perspective: 0.05, centre: [390, 320] };
const SPECS: (MeterPhotoSpec & { photo: string })[] = [
  { photo: "a.jpg", reading: "00530", camera: CAMERA, shake: { x: 3, y: -2, tilt: 0.6 }, seed: 101, quality: 85 },
  {
    photo: "b.jpg",
    reading: "12748",
    camera: CAMERA,
    shake: { x: -4, y: 3, tilt: -0.8 },
    seed: 102,
    quality: 80,
    glare: [470, 280],
  },
  { photo: "c.jpg", reading: "60913", camera: CAMERA, shake: { x: 1, y: 4, tilt: 0.3 }, seed: 103, quality: 75 },
];

function cli(script: string, args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve("tsx/cli"), path.join(ROOT, script), ...args],
      { cwd, encoding: "utf8" },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `identify`'s format and size of an image, or its error. */
async function identify(file: string): Promise<string> {
  const { code, stdout, stderr } = await run("identify", ["-format", "%m %wx%h", file]);
  return code === 0 ? stdout : `error: ${stderr}`;
}

describe("npm run profile", () => {
  let dir: string;
  let photos: string[];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "profile-cli-"));
    mkdirSync(path.join(dir, "photos"));
    photos = SPECS.map((spec) => {
      const file = path.join(dir, "photos", spec.photo);
      drawMeterPhoto(file, spec);
      return file;
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("writes a profile from photos of a meter that reads them exactly, and an overlay per photo", async () => {
    const out = path.join(dir, "meter", "profile.json");
    const { code, stdout, stderr } = await cli("worker/profile-cli.ts", [
      ...photos,
      "--out",
      out,
      "--concurrency",
      "2",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);

    const profile = parseMeterProfile(JSON.parse(readFileSync(out, "utf8")), out);
    expect(profile).toMatchObject({ digits: 5, invert: true });
    // The window is turned 9° anticlockwise: ImageMagick levels it turning clockwise.
    expect(profile.rotate).toBeGreaterThan(7);
    expect(profile.rotate).toBeLessThan(11);
    // The crop holds every photo's whole window (its frame included), with room to spare.
    const crop = profile.crop as NonNullable<typeof profile.crop>;
    for (const spec of SPECS) {
      const shaken: Camera = {
        ...CAMERA,
        tilt: CAMERA.tilt + (spec.shake?.tilt ?? 0),
        centre: [CAMERA.centre[0] + (spec.shake?.x ?? 0), CAMERA.centre[1] + (spec.shake?.y ?? 0)],
      };
      for (const [x, y] of windowOutline(CLASSIC_LOOK, shaken, 5) as Point[]) {
        expect(x).toBeGreaterThan(crop.x + 10);
        expect(x).toBeLessThan(crop.x + crop.width - 10);
        expect(y).toBeGreaterThan(crop.y + 10);
        expect(y).toBeLessThan(crop.y + crop.height - 10);
      }
    }
    for (const spec of SPECS)
      expect(stdout).toMatch(new RegExp(`${spec.photo}: read ${spec.reading} \\(confidence [0-9.]+\\); counter at `));
    expect(stdout).toMatch(/^3 photos: 3 read, 0 unreadable, 0 failed/m);

    // The profile, given to a batch, reads every photo exactly.
    const records = await runBatch({ photos, profile, outDir: path.join(dir, "batch"), concurrency: 2 });
    expect(records.map((r) => [r.photo, r.status, r.reading]).sort()).toEqual(
      SPECS.map((s) => [s.photo, "ok", s.reading]),
    );

    const overlays = path.join(dir, "meter", "profile-overlays");
    expect(readdirSync(overlays).sort()).toEqual(["a.jpg.png", "b.jpg.png", "c.jpg.png"]);
    for (const file of readdirSync(overlays)) expect(await identify(path.join(overlays, file))).toBe("PNG 800x600");
    // The band's outline is drawn where the batch found it (green: read): the middle of its top edge.
    for (const r of records) {
      const [tl, tr] = r.counter?.corners ?? [];
      const [x, y] = [((tl?.[0] ?? 0) + (tr?.[0] ?? 0)) / 2, ((tl?.[1] ?? 0) + (tr?.[1] ?? 0)) / 2];
      const { stdout: pixel } = await run("convert", [
        path.join(overlays, `${r.photo}.png`),
        "-format",
        `%[pixel:p{${x},${y}}]`,
        "info:",
      ]);
      expect(pixel).toBe("srgb(0,208,0)");
    }
  });

  test("refuses to overwrite a profile without --force, before reading any photo", async () => {
    const out = path.join(dir, "existing.json");
    writeFileSync(out, "{}\n");
    const { code, stderr } = await cli("worker/profile-cli.ts", [...photos, "--out", out]);
    expect(code).toBe(1);
    expect(stderr).toBe(`profile: ${out} exists: give --force to overwrite it\n`);
    expect(readFileSync(out, "utf8")).toBe("{}\n");
  });

  test("a file that is not an image, a photo without a counter and no photos at all are clear errors", async () => {
    const text = path.join(dir, "notes.jpg");
    writeFileSync(text, "not a photo\n");
    const quiet = () => undefined;
    await expect(main([text, "--out", path.join(dir, "bad.json")], quiet)).rejects.toThrow(
      new RegExp(`^${text.replace(/[.\\/]/g, "\\$&")}: not a readable image: `),
    );

    const blank = path.join(dir, "blank.png");
    await run("convert", ["-size", "640x480", "xc:#b0b0b0", blank]);
    await expect(main([blank, "--out", path.join(dir, "none.json")], quiet)).rejects.toThrow(
      `counter not found in ${blank}: crop it closer or give --digits`,
    );
    expect(existsSync(path.join(dir, "bad.json")) || existsSync(path.join(dir, "none.json"))).toBe(false);

    await expect(main([], quiet)).rejects.toThrow(/^no photos given/);
  });

  test("npm run eval -- --debug DIR draws the band found, its wheels and the reading, per photo", async () => {
    const input = path.join(dir, "eval");
    mkdirSync(input);
    for (const p of photos) copyFileSync(p, path.join(input, path.basename(p)));
    const debug = path.join(dir, "debug");
    const { code, stdout, stderr } = await cli("worker/eval-cli.ts", [
      "--input",
      input,
      "--debug",
      debug,
      "--json",
      "--concurrency",
      "2",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ photos: 3 });
    expect(stderr).toBe(`3 overlays in ${debug}\n`);
    expect(readdirSync(debug).sort()).toEqual(["a.jpg.png", "b.jpg.png", "c.jpg.png"]);
    for (const file of readdirSync(debug)) expect(await identify(path.join(debug, file))).toBe("PNG 800x600");
  });
});

describe("drafting a profile from located counters", () => {
  const seen = (
    photo: string,
    corners: Located["corners"],
    skew: number,
    wheels: number,
    found: number,
    inverted = true,
  ): PhotoSearch & { result: { ok: true } } => ({
    photo,
    width: 800,
    height: 600,
    result: {
      ok: true,
      located: {
        band: { width: 50 * wheels, height: 80, data: new Uint8Array(0) },
        digitTop: 16,
        digitHeight: 48,
        cells: Array.from({ length: wheels }, (_, i): [number, number] => [50 * i, 50 * i + 49]),
        corners,
        inverted,
        found,
        skew,
      },
    },
  });

  test("the crop is every band's bounding box with a quarter of its size on each side, inside the photo; rotate undoes the median skew", () => {
    const { profile, warnings } = draftProfile([
      seen(
        "a",
        [
          [100, 200],
          [500, 240],
          [496, 320],
          [96, 280],
        ],
        5.7,
        5,
        5,
      ),
      seen(
        "b",
        [
          [110, 190],
          [510, 230],
          [506, 310],
          [106, 270],
        ],
        5.6,
        5,
        5,
      ),
      seen(
        "c",
        [
          [20, 10],
          [780, 60],
          [776, 140],
          [16, 90],
        ],
        3.8,
        5,
        4,
      ),
    ]);
    // x 16..780 (764 wide, 191 a side), y 10..320 (310 high, 77.5 a side): clamped to the 800x600 photo.
    expect(profile).toEqual({ crop: { x: 0, y: 0, width: 800, height: 398 }, rotate: -5.6, invert: true, digits: 5 });
    expect(warnings).toEqual([]);
  });

  test("photos that disagree on the wheels are warned about; a tie goes to a count some photo showed whole", () => {
    const corners: Located["corners"] = [
      [100, 200],
      [500, 240],
      [496, 320],
      [96, 280],
    ];
    const { profile, warnings } = draftProfile([
      seen("a", corners, 2, 6, 5),
      seen("b", corners, 2, 5, 5),
      seen("c", corners, 2, 6, 4),
      seen("d", corners, 2, 5, 4, false),
    ]);
    expect(profile.digits).toBe(5);
    expect(warnings).toEqual([
      "the photos disagree on the number of wheels (6 in a, c; 5 in b, d): digits 5; give --digits if that is wrong",
      "the photos disagree on light digits on dark (true in a, b, c; false in d): invert true; give --invert or --no-invert if that is wrong",
    ]);
    expect(draftProfile([seen("a", corners, 2, 6, 5), seen("b", corners, 2, 5, 5)], 5).warnings[0]).toBe(
      "the photos disagree on the number of wheels (6 in a; 5 in b); digits 5 as given",
    );
  });

  test("red wheels at the end of the row, where most photos show them, are decimals: left out of digits unless digits are given", () => {
    const corners: Located["corners"] = [
      [100, 200],
      [500, 240],
      [496, 320],
      [96, 280],
    ];
    const photos = [seen("a", corners, 2, 8, 8), seen("b", corners, 2, 8, 7), seen("c", corners, 2, 8, 8)];
    const drafted = draftProfile(photos, undefined, [3, 0, 3]);
    expect(drafted.profile.digits).toBe(5);
    expect(drafted.warnings).toEqual([
      "the last 3 of the 8 wheels look red, decimal wheels: digits 5 (the integer wheels); give --digits 8 if they count too",
    ]);
    expect(draftProfile(photos, undefined, [3, 0, 0]).profile.digits).toBe(8);
    expect(draftProfile(photos, 8).profile.digits).toBe(8);
  });

  test("red decimal wheels at the end of the row are told apart from the integer wheels", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "profile-red-"));
    try {
      const red = sampleSet(1, 5, styleNamed("red-decimals")).photos[0] as MeterPhotoSpec;
      drawMeterPhoto(path.join(dir, "red.jpg"), red);
      drawMeterPhoto(path.join(dir, "black.jpg"), SPECS[0] as MeterPhotoSpec);
      const found = await Promise.all(["red.jpg", "black.jpg"].map((p) => searchPhoto(path.join(dir, p), {}, dir)));
      const counts = await Promise.all(
        found.map((f) => (f.result.ok ? redWheelsAtEnd(f.photo, f.result.located) : -1)),
      );
      expect(found.map((f) => f.result.ok && f.result.located.cells.length)).toEqual([8, 5]);
      expect(counts).toEqual([3, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("an overlay's text is drawn as it is: no image properties, no file read for a leading @", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "overlay-"));
  try {
    const photo = path.join(dir, "p.png");
    await run("convert", ["-size", "320x240", "xc:gray", photo]);
    await drawOverlay(
      photo,
      { lines: ["@/etc/hostname", "100% sure %w \\n"], ok: false },
      path.join(dir, "out", "p.png.png"),
      { width: 320, height: 240 },
    );
    expect(await identify(path.join(dir, "out", "p.png.png"))).toBe("PNG 320x240");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
