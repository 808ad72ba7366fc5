import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseMeterProfile } from "../../contracts/meter-profile";
import { MAX_TURN, sampleSet, writeSampleSet } from "../../scripts/generate-samples";
import { STYLES, styleNamed } from "../../scripts/meter-styles";

const ROOT = path.join(__dirname, "..", "..");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "generator-test-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the sample generator", () => {
  test("the classic style draws the committed samples byte for byte", () => {
    const out = path.join(dir, "classic");
    writeSampleSet(out, 1, 7);
    expect(
      readFileSync(path.join(out, "meter-001.jpg")).equals(readFileSync(path.join(ROOT, "samples", "meter-001.jpg"))),
    ).toBe(true);
    expect(readFileSync(path.join(out, "profile.json"), "utf8")).toBe(
      readFileSync(path.join(ROOT, "samples", "profile.json"), "utf8"),
    );
    const truth = readFileSync(path.join(ROOT, "samples", "truth.csv"), "utf8").split("\n");
    expect(readFileSync(path.join(out, "truth.csv"), "utf8")).toBe(`${truth[0]}\n${truth[1]}\n`);
  });

  test.each(STYLES.map((s) => [s.name]))(
    "style %s: JPEG photos of 800x600, profiles the worker takes, a rough crop around the counter",
    (name) => {
      const style = styleNamed(name);
      if (!style) throw new Error(name);
      const out = path.join(dir, name);
      const set = writeSampleSet(out, 2, 19, style);
      for (const spec of set.photos) {
        const file = path.join(out, spec.photo);
        expect(readFileSync(file).subarray(0, 3).toString("hex")).toBe("ffd8ff");
        expect(execFileSync("identify", ["-format", "%m %wx%h", file], { encoding: "utf8" })).toBe("JPEG 800x600");
      }
      const profile = parseMeterProfile(
        JSON.parse(readFileSync(path.join(out, "profile.json"), "utf8")),
        "profile.json",
      );
      const rough = parseMeterProfile(
        JSON.parse(readFileSync(path.join(out, "rough-profile.json"), "utf8")),
        "rough-profile.json",
      );
      // A look with a ×0.1 dial also says where the dial is, as a user would read it off a photo.
      const dial = style.look.plate?.subDial ? ["tenthsDial"] : [];
      expect(Object.keys(rough)).toEqual(["crop", "rotate", "digits", "invert", ...dial]);
      expect(Object.keys(profile).includes("tenthsDial")).toBe(dial.length > 0);
      expect(profile.typeface).toBe(style.look.wheels.font.name);
      expect(profile.invert).toBe(style.look.invert);
      expect(rough.invert).toBe(style.look.invert);
      const digits = profile.digits as number;
      expect(rough.digits).toBe(digits);
      expect(digits).toBeGreaterThanOrEqual(style.digits[0]);
      expect(digits).toBeLessThanOrEqual(style.digits[1]);
      // The rough crop holds the row of wheels and stays in the photo; its rotation levels the digits give or take 8°.
      const crop = rough.crop as { x: number; y: number; width: number; height: number };
      for (const [x, y] of profile.corners ?? []) {
        expect(x).toBeGreaterThanOrEqual(crop.x);
        expect(x).toBeLessThanOrEqual(crop.x + crop.width);
        expect(y).toBeGreaterThanOrEqual(crop.y);
        expect(y).toBeLessThanOrEqual(crop.y + crop.height);
      }
      expect(crop.x + crop.width).toBeLessThanOrEqual(800);
      expect(crop.y + crop.height).toBeLessThanOrEqual(600);
      expect(Math.abs((rough.rotate as number) + set.camera.tilt)).toBeLessThanOrEqual(8.05);
      const [header, ...rows] = readFileSync(path.join(out, "truth.csv"), "utf8").trimEnd().split("\n");
      expect(header).toBe("photo,reading,turn");
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        const [photo, reading, turn] = row.split(",");
        expect(existsSync(path.join(out, photo as string))).toBe(true);
        expect(reading).toMatch(new RegExp(`^\\d{${digits}}$`));
        // Written with two decimals, so at most MAX_TURN; the turn drawn stays below it.
        expect(Number(turn)).toBeLessThanOrEqual(MAX_TURN);
      }
      for (const spec of set.photos) expect(spec.turn ?? 0).toBeLessThan(MAX_TURN);
    },
  );

  test("a set is the same for the same seed, and styles given one seed differ", () => {
    for (const style of STYLES) expect(sampleSet(5, 3, style)).toEqual(sampleSet(5, 3, style));
    const readings = STYLES.map((style) =>
      sampleSet(5, 3, style)
        .photos.map((p) => p.reading)
        .join(),
    );
    expect(new Set(readings).size).toBe(STYLES.length);
  });

  test("the command line lists the styles and refuses one it does not know", () => {
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const script = path.join(ROOT, "scripts", "generate-samples.ts");
    const help = spawnSync(tsx, [script, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    for (const style of STYLES) expect(help.stdout).toContain(`  ${style.name}`);
    const wrong = spawnSync(tsx, [script, "--style", "nope", "--out", path.join(dir, "nope")], { encoding: "utf8" });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain(`no such style; the styles are: ${STYLES.map((s) => s.name).join(", ")}`);
    expect(existsSync(path.join(dir, "nope"))).toBe(false);
  });
});
