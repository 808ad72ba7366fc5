/**
 * A last wheel within a tenth of a turn of its next digit sits almost square: its place cannot
 * say whether the digit has arrived. The ×0.1 dial it turns with can, on generated photos of the
 * `labels` meter drawn past the generator's usual last-wheel turn.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MeterProfile } from "../../contracts/meter-profile";
import type { ResultRecord } from "../../contracts/result-record";
import { sampleSet, type SampleSet } from "../../scripts/generate-samples";
import { drawMeterPhoto } from "../../scripts/meter-photos";
import { styleNamed } from "../../scripts/meter-styles";
import { runBatch } from "../../worker/batch";

let dir: string;
let set: SampleSet;
let photos: { file: string; reading: string; turn: number }[];

/** The first photos' last wheels turned nearly onto their next digit (one of them ending a carry); the rest as drawn. */
const NEAR: { last: string; turn: number }[] = [
  { last: "3", turn: 0.96 },
  { last: "4", turn: 0.93 },
  { last: "9", turn: 0.95 },
];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "tenths-dial-"));
  set = sampleSet(8, 5, styleNamed("labels"));
  photos = set.photos.map((spec, i) => {
    const near = NEAR[i];
    const drawn = near
      ? { ...spec, reading: spec.reading.slice(0, -2) + "8" + near.last, turn: near.turn, glare: undefined }
      : spec;
    const file = path.join(dir, spec.photo);
    drawMeterPhoto(file, drawn);
    return { file, reading: drawn.reading, turn: drawn.turn ?? 0 };
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (profile: MeterProfile, name: string) =>
  runBatch({ photos: photos.map((p) => p.file), profile, outDir: path.join(dir, name), concurrency: 2 });

const exact = (records: ResultRecord[], i: number) =>
  records[i]?.status === "ok" && records[i]?.reading === photos[i]?.reading;

describe("the tenths dial", () => {
  test("the generated profiles say where the dial is, the rough one within a few pixels", () => {
    const [exactDial, roughDial] = [set.profile.tenthsDial, set.roughProfile.tenthsDial];
    expect(exactDial && roughDial).toBeDefined();
    expect(
      Math.hypot(exactDial!.centre[0] - roughDial!.centre[0], exactDial!.centre[1] - roughDial!.centre[1]),
    ).toBeLessThan(6);
  });

  test("a last wheel nearly on its next digit is read as the digit it is leaving; without the dial it is not", async () => {
    const { tenthsDial, ...withoutDial } = set.roughProfile;
    const [withIt, without] = [await read(set.roughProfile, "with"), await read(withoutDial, "without")];
    expect(tenthsDial).toBeDefined();
    for (const i of [0, 1]) {
      expect(withIt[i]).toMatchObject({ status: "ok", reading: photos[i]?.reading });
      // The record shows the dial's turn, levelled by the counter's skew, within a hundredth and a half.
      const turn = Number(/tenths ([0-9.]+)$/.exec(withIt[i]?.rawText ?? "")?.[1]);
      expect(Math.abs(turn - (photos[i]?.turn ?? 0))).toBeLessThan(0.015);
      // Without it the wheel is too close to call or, worse, counted on the digit coming in.
      expect(exact(without, i)).toBe(false);
    }
    // A last wheel ending a carry (…89 nearly on …90): the wheels before it cannot be told.
    expect(withIt[2]).toMatchObject({
      status: "unreadable",
      error: expect.stringContaining("wheel 6 is ending a carry (the tenths dial at 0.9"),
    });
    // The photos drawn as usual read as well as without the dial.
    for (let i = NEAR.length; i < photos.length; i++) expect(exact(withIt, i)).toBe(exact(without, i));
  }, 300_000);
});
