import { PROFILE_DEFAULTS } from "../../contracts/meter-profile";
import { readWheels, wheelPlay } from "../../worker/wheel-reading";
import type { Word } from "../../worker/tesseract";
import type { Counter, Glyph, Wheel } from "../../worker/wheels";

const H = 40;
const PROFILE = { digits: 3, crop: { x: 0, y: 0, width: 10, height: 10 } };
const glyph = (top: number, height = H): Glyph => ({ top, bottom: top + height - 1, left: 0, right: 20, ink: 300 });
const wheel = (g: Glyph | undefined, offset = 0, second?: Glyph): Wheel => ({
  x0: 0,
  x1: 30,
  glyph: g,
  offset,
  second,
});
const counter = (...wheels: Wheel[]): Counter => ({ wheels, digitHeight: H, contrast: 0.2 });
const w = (text: string, conf = 97): Word[] => [{ text, conf }];

describe("reading the wheels", () => {
  test("square wheels read as they show, leading zeros kept, confidence from the least sure digit", () => {
    expect(
      readWheels(
        [w("0"), w("4", 91), w("2")],
        [],
        counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(10))),
        PROFILE,
      ),
    ).toEqual({
      status: "ok",
      reading: "042",
      confidence: 0.91,
      error: null,
    });
  });

  test("a digit still coming in from below reads as the digit before it (9 after 0)", () => {
    const threshold = PROFILE_DEFAULTS.turnThreshold;
    const c = counter(wheel(glyph(10)), wheel(glyph(20), threshold + 0.1), wheel(glyph(18), threshold + 0.1));
    expect(readWheels([w("1"), w("3"), w("0")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "129" });
  });

  test("two wheels turning side by side are a carry: the right one must be leaving a 9", () => {
    // Both wheels leave at the top, a fifth of a digit up, most of each digit showing: the 3
    // (wheel 2) may turn only while wheel 3 goes from 9 to 0.
    const c = counter(wheel(glyph(10)), wheel(glyph(2, 37), -0.2), wheel(glyph(2, 37), -0.2));
    expect(readWheels([w("0"), w("3"), w("9")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "039" });
    // Wheel 3's cut 9 read as a 4 by both readers (it happens under glare): a carry says it cannot be.
    expect(readWheels([w("0"), w("3"), w("4")], [], c, PROFILE)).toMatchObject({
      status: "unreadable",
      reading: null,
      error: "wheel 3 turns with wheel 2 (a carry) but reads 4, not 9",
    });
  });

  test("a wheel counted on the digit it is leaving needs a 9 to its right, however square that wheel looks", () => {
    const threshold = PROFILE_DEFAULTS.turnThreshold;
    // Wheel 2's 4 still coming in (a glare stripe lowers its top, or a carry is ending) beside a
    // square 2 or a 0 that measures arrived: wheel 2 cannot turn unless wheel 3 leaves a 9.
    const c = counter(wheel(glyph(10)), wheel(glyph(20), threshold + 0.1), wheel(glyph(10)));
    expect(readWheels([w("4"), w("4"), w("2")], [], c, PROFILE)).toMatchObject({
      status: "unreadable",
      reading: null,
      error: "wheel 2 has not reached 4, so wheel 3 is leaving a 9, but it reads 2",
    });
    expect(readWheels([w("5"), w("1"), w("0")], [], c, PROFILE)).toMatchObject({
      status: "unreadable",
      error: "wheel 2 has not reached 1, so wheel 3 is leaving a 9, but it reads 0",
    });
    // The same wheel beside a 9 is a carry under way, and the last wheel is free to turn alone.
    expect(readWheels([w("4"), w("4"), w("9")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "439" });
    const last = counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(20), threshold + 0.1));
    expect(readWheels([w("4"), w("4"), w("3")], [], last, PROFILE)).toMatchObject({ status: "ok", reading: "442" });
  });

  test("right at the turn threshold the wheel is too close to call", () => {
    const c = counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(14), PROFILE_DEFAULTS.turnThreshold));
    expect(readWheels([w("1"), w("3"), w("5")], [], c, PROFILE)).toMatchObject({
      status: "unreadable",
      reading: null,
      error: expect.stringMatching(/^wheel 3 is between two digits, too close to call/),
    });
  });

  test("near the turn threshold, a wheel is still when a wheel to its right shows a digit no carry passes", () => {
    // Wheel 1 sits a sixteenth of a digit low (play, as on the real meter), where an untuned
    // profile cannot tell arriving from resting. A wheel turns only while every wheel to its
    // right goes from 9 to 0: wheel 2 on a 4 proves wheel 1 still, so its 5 counts.
    const low = PROFILE_DEFAULTS.turnThreshold - 0.035;
    const c = counter(wheel(glyph(12), low), wheel(glyph(10)), wheel(glyph(10)));
    expect(readWheels([w("5"), w("4"), w("0")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "540" });
    // Wheels right of it going from 9 to 0 (their 0s still coming in from below) may be carrying
    // into it: still too close to call.
    const coming = PROFILE_DEFAULTS.turnThreshold + 0.1;
    const carrying = counter(wheel(glyph(12), low), wheel(glyph(14), coming), wheel(glyph(14), coming));
    expect(readWheels([w("5"), w("0"), w("0")], [], carrying, PROFILE)).toMatchObject({
      status: "unreadable",
      error: expect.stringMatching(/^wheel 1 is between two digits, too close to call \("5" at offset/),
    });
  });

  test("near the turn threshold, a wheel is still when the wheel to its right sits square on a 9, or counts a 0", () => {
    // A 9 square in the window has not begun the carry into wheel 1; a 0 counted has ended it
    // (the real meter's 530.07077: its 3 sits 0.067 low beside a square 0).
    const low = PROFILE_DEFAULTS.turnThreshold - 0.035;
    const c = counter(wheel(glyph(10)), wheel(glyph(12), low), wheel(glyph(10)));
    expect(readWheels([w("5"), w("3"), w("9")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "539" });
    expect(readWheels([w("5"), w("3"), w("0")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "530" });
  });

  test("a 0 to its right does not prove at rest a wheel whose digit sits lower than the threshold: a carry may be ending", () => {
    // The generator's 36499 with the last wheels 0.85 through 9 to 0: wheel 2's 5 measured 0.125
    // low, the 0s beside it measured square within the play. It was read 500.
    const lower = PROFILE_DEFAULTS.turnThreshold + 0.03;
    const ending = counter(wheel(glyph(10)), wheel(glyph(15), lower), wheel(glyph(11), 0.021));
    expect(readWheels([w("4"), w("5"), w("0")], [], ending, PROFILE)).toMatchObject({
      status: "unreadable",
      error: expect.stringMatching(/^wheel 2 is between two digits, too close to call \("5" at offset/),
    });
    // A digit no carry passes through, to its right, still proves it: the carry is not ending.
    const still = counter(wheel(glyph(10)), wheel(glyph(15), lower), wheel(glyph(10)));
    expect(readWheels([w("4"), w("5"), w("3")], [], still, PROFILE)).toMatchObject({ status: "ok", reading: "453" });
  });

  test("the batch's play widens the offsets an untuned profile refuses as too close to call", () => {
    // The last wheel's 1 sits 0.045 low: past the default's refusal band, it counts. On a meter
    // whose wheels at rest sit up to 0.07 off their row, 0.045 says nothing (the real meter's
    // 520.9787, whose 1 has not arrived).
    const c = counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(12), 0.045));
    expect(readWheels([w("5"), w("2"), w("1")], [], c, PROFILE)).toMatchObject({ status: "ok", reading: "521" });
    expect(readWheels([w("5"), w("2"), w("1")], [], c, PROFILE, [], 0.07)).toMatchObject({
      status: "unreadable",
      error: expect.stringMatching(/^wheel 3 is between two digits, too close to call/),
    });
    // A tuned threshold is the user's word: the batch's play does not widen it.
    expect(readWheels([w("5"), w("2"), w("1")], [], c, { ...PROFILE, turnThreshold: 0.155 }, [], 0.07)).toMatchObject({
      status: "ok",
      reading: "521",
    });
  });

  test("a batch's play is how far its wheels at rest sit off the row, the last wheel (which turns on) left out", () => {
    const photo = (rest: number) =>
      counter(wheel(glyph(10), rest), wheel(glyph(10), -rest), wheel(glyph(10), rest / 2), wheel(glyph(14), 0.3));
    const batch = Array.from({ length: 4 }, (_, i) => photo(0.01 * (i + 1)));
    expect(wheelPlay(batch)).toBe(0.03);
    // Too few wheels at rest to say: the default margin stands.
    expect(wheelPlay(batch.slice(0, 3))).toBeUndefined();
  });

  test("part of a digit counts only when the digit above and the one below are consecutive", () => {
    // The wheel shows the foot of a 3 leaving at the top and the head of a 4 coming in.
    const between = () => wheel(glyph(0, 24), -0.5, glyph(28, 20));
    const c = counter(wheel(glyph(10)), wheel(glyph(10)), between());
    expect(readWheels([w("0"), w("7"), w("3")], [[], [], w("4", 88)], c, PROFILE)).toMatchObject({
      status: "ok",
      reading: "073",
      confidence: 0.88,
    });
    // The foot of a 3 read as a 5: not consecutive with the 4, so no reading.
    expect(readWheels([w("0"), w("7"), w("5")], [[], [], w("4")], c, PROFILE)).toMatchObject({
      status: "unreadable",
      error: "wheel 3 is between two digits, read as 5 above 4",
    });
    // Nothing read of the other digit: no reading either, however sure Tesseract is of the part.
    expect(readWheels([w("0"), w("7"), w("5", 99)], [[], [], []], c, PROFILE)).toMatchObject({
      status: "unreadable",
      reading: null,
    });
  });

  test("part of a digit also counts when one piece's reading names the pair that the known shapes match best", () => {
    // The foot of a 0 (read as a 3, as Tesseract reads a U) above the head of a 1 coming in; the
    // batch has shown 0 to 3 and 5 whole, so its shapes score only some pairs: (0, 1) wins there.
    const c = counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(0, 24), -0.5, glyph(28, 20)));
    const known = (digit: number, confidence = 0.7) => [undefined, undefined, { digit, confidence, partial: true }];
    expect(readWheels([w("3"), w("0"), w("3", 20)], [[], [], w("1", 34)], c, PROFILE, known(0))).toMatchObject({
      status: "ok",
      reading: "300",
      confidence: 0.7,
    });
    // A lone glyph sitting low, read as a 1: it may be the head of a 1 coming in, or a square 1 on a
    // row found askew (it read 0 on another meter so); with no second piece, nothing confirms it.
    const lone = counter(wheel(glyph(10)), wheel(glyph(10)), wheel(glyph(14, 26), 0.3));
    expect(readWheels([w("3"), w("0"), w("1", 99)], [], lone, PROFILE, known(0))).toMatchObject({
      status: "unreadable",
      error: 'wheel 3 is between two digits: "1" is cut by the window and nothing confirms it',
    });
    // No piece read as a digit of that pair: the shapes alone do not vouch (an unscored pair could win).
    expect(readWheels([w("3"), w("0"), w("7", 90)], [[], [], w("6", 90)], c, PROFILE, known(0))).toMatchObject({
      status: "unreadable",
      error: "wheel 3 is between two digits, read as 7 above 6",
    });
    expect(readWheels([w("3"), w("0"), []], [[], [], w("4", 90)], c, PROFILE, known(0))).toMatchObject({
      status: "unreadable",
      error: "wheel 3: no digit recognised",
    });
    // Agreeing, but the known pairs barely tell one from the next.
    expect(readWheels([w("3"), w("0"), w("3", 20)], [[], [], w("1", 99)], c, PROFILE, known(0, 0.4))).toMatchObject({
      status: "unreadable",
    });
  });

  test("a blank wheel, an unread wheel, two characters on a wheel, low confidence: unreadable with the reason", () => {
    const square = () => wheel(glyph(10));
    expect(readWheels([w("1"), [], w("2")], [], counter(square(), wheel(undefined), square()), PROFILE).error).toBe(
      "wheel 2 shows no digit",
    );
    expect(readWheels([w("1"), [], w("2")], [], counter(square(), square(), square()), PROFILE).error).toBe(
      "wheel 2: no digit recognised",
    );
    expect(
      readWheels([w("1"), [...w("4"), ...w("5")], w("2")], [], counter(square(), square(), square()), PROFILE).error,
    ).toBe('wheel 2 read as "4 5"');
    expect(readWheels([w("1"), w("8", 40), w("2")], [], counter(square(), square(), square()), PROFILE)).toMatchObject({
      status: "unreadable",
      confidence: 0.4,
      error: 'confidence 0.4 is below 0.6 (read "182")',
    });
  });

  describe("with the shapes of the digits the batch showed whole", () => {
    const between = () => wheel(glyph(0, 24), -0.5, glyph(28, 20));
    const square = () => wheel(glyph(10));

    test("a wheel caught between two digits reads as its shapes say, whatever Tesseract makes of the pieces", () => {
      const c = counter(square(), square(), between());
      // Tesseract reads the foot of a 7 above the head of an 8 as 1 above 2, consecutive and sure.
      const read = readWheels([w("0"), w("4"), w("1", 96)], [[], [], w("2", 95)], c, PROFILE, [
        undefined,
        undefined,
        { digit: 7, confidence: 0.9 },
      ]);
      expect(read).toEqual({ status: "ok", reading: "047", confidence: 0.9, error: null });
      // Shapes that barely prefer one pair over the next are not a reading.
      expect(
        readWheels([w("0"), w("4"), []], [[], [], []], c, PROFILE, [
          undefined,
          undefined,
          { digit: 7, confidence: 0.3 },
        ]),
      ).toMatchObject({ status: "unreadable", confidence: 0.3 });
    });

    test("the digit coming in, almost square, counts as the wheel's digit", () => {
      // Its head shows whole under the foot of the digit before it, just past the turn threshold's near side.
      const arriving = wheel(glyph(14, 36), PROFILE_DEFAULTS.turnThreshold - 0.1, glyph(0, 10));
      const read = readWheels(
        [w("0"), w("4"), w("8")],
        [[], [], w("7")],
        counter(square(), square(), arriving),
        PROFILE,
        [undefined, undefined, { digit: 7, confidence: 0.9 }],
      );
      expect(read).toMatchObject({ status: "ok", reading: "048" });
    });

    test("a whole digit's shape backs up an unsure Tesseract, stands in for a missing one, and overrules a wrong one", () => {
      const c = counter(square(), square(), square());
      expect(
        readWheels([w("0"), w("4", 55), w("2")], [], c, PROFILE, [undefined, { digit: 4, confidence: 0.8 }, undefined]),
      ).toMatchObject({ status: "ok", reading: "042", confidence: 0.8 });
      expect(
        readWheels([w("0"), [], w("2")], [], c, PROFILE, [undefined, { digit: 4, confidence: 0.8 }, undefined]),
      ).toMatchObject({ status: "ok", reading: "042", confidence: 0.8 });
      // A shape that wins clearly among all ten digits is right where Tesseract is sure of
      // another: a serif 5 read as a 9, a 5 above a lit ledge read as an 8.
      expect(
        readWheels([w("0"), w("9", 96), w("2")], [], c, PROFILE, [undefined, { digit: 4, confidence: 0.8 }, undefined]),
      ).toEqual({ status: "ok", reading: "042", confidence: 0.8, error: null });
      // Among some digits only, the shape cannot know a digit it has not seen: it contradicts.
      expect(
        readWheels([w("0"), w("9", 96), w("2")], [], c, PROFILE, [
          undefined,
          { digit: 4, confidence: 0.8, partial: true },
          undefined,
        ]),
      ).toMatchObject({ status: "unreadable", error: 'wheel 2 reads "9" but its shape is a 4\'s' });
      // Nor where the batch's shapes of the two digits are too alike to tell apart (blurred 0s
      // that Tesseract read as 6s taught the 6 a 0's look).
      expect(
        readWheels([w("0"), w("0", 96), w("2")], [], c, PROFILE, [
          undefined,
          { digit: 6, confidence: 0.8, confusable: [0, 8] },
          undefined,
        ]),
      ).toMatchObject({ status: "unreadable", error: 'wheel 2 reads "0" but its shape is a 6\'s' });
      // Nor does a shape that wins by little overrule anything.
      expect(
        readWheels([w("0"), w("9", 96), w("2")], [], c, PROFILE, [undefined, { digit: 4, confidence: 0.4 }, undefined]),
      ).toMatchObject({ status: "unreadable", error: 'wheel 2 reads "9" but its shape is more like a 4\'s' });
      // An unsure shape adds nothing: Tesseract's 55 % stands, and is too low.
      expect(
        readWheels([w("0"), w("4", 55), w("2")], [], c, PROFILE, [undefined, { digit: 4, confidence: 0.3 }, undefined]),
      ).toMatchObject({ status: "unreadable", confidence: 0.55 });
    });
  });
});
