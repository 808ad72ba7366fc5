import { parseMeterProfile } from "../../contracts/meter-profile";
import { cleanOps } from "../../worker/prepare";

describe("meter profiles for the worker", () => {
  test("four corners undo rotation and perspective in one distortion onto an upright band", () => {
    const profile = parseMeterProfile(
      {
        corners: [
          [10, 20],
          [310, 60],
          [300, 140],
          [2, 100],
        ],
        invert: true,
        digits: 5,
      },
      "p.json",
    );
    const ops = cleanOps(profile);
    const at = ops.indexOf("Perspective");
    expect(at).toBeGreaterThan(0);
    // Width and height are the longer of each pair of opposite sides: 303 (top edge) and 81 (right edge).
    expect(ops).toContain("distort:viewport=303x81+0+0");
    expect(ops[at + 1]).toBe("10,20 0,0  310,60 303,0  300,140 303,81  2,100 0,81");
  });

  test("bad corners, both crop and corners, and out-of-range tuning are refused with every reason", () => {
    expect(() =>
      parseMeterProfile(
        {
          corners: [[1, 2], [3]],
          crop: { x: 0, y: 0, width: 5, height: 5 },
          turnThreshold: 1.5,
          inkContrast: -0.1,
          typeface: " ",
        },
        "q.json",
      ),
    ).toThrow(
      "q.json: corners must be four [x, y] points (top-left, top-right, bottom-right, bottom-left); turnThreshold must be between 0 and 1 (digit heights); inkContrast must be from 0 to below 1; typeface must be a font name or font file; give crop or corners, not both",
    );
  });

  test("a tenths dial needs its centre as a point and a radius of a few pixels at least", () => {
    expect(() => parseMeterProfile({ tenthsDial: { centre: [10], radius: 2 } }, "d.json")).toThrow(
      "d.json: tenthsDial.centre must be an [x, y] point (two numbers ≥ 0); tenthsDial.radius must be a radius in pixels, 4 or more",
    );
    expect(parseMeterProfile({ tenthsDial: { centre: [452, 360], radius: 45 } }, "d.json").tenthsDial).toEqual({
      centre: [452, 360],
      radius: 45,
    });
  });
});
