import { blankImage } from "../../worker/pgm";
import { levelled, pointerTurn } from "../../worker/tenths-dial";

/** Redness of a dial `radius` px round (size×size), its pointer at `turn` from the top: a hub, a needle, a short tail. */
function dial(turn: number, radius: number, hub: number) {
  const size = 2 * radius + 11;
  const red = blankImage(size, size);
  red.data.fill(0);
  const c = size / 2;
  const [ux, uy] = [Math.sin(2 * Math.PI * turn), -Math.cos(2 * Math.PI * turn)];
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const [dx, dy] = [x - c, y - c];
      const along = dx * ux + dy * uy;
      const across = Math.abs(dx * uy - dy * ux);
      const needle = along >= -0.2 * radius && along <= 0.85 * radius && across <= 2;
      if (needle || Math.hypot(dx, dy) <= hub * radius) red.data[y * size + x] = 90;
    }
  return { red, centre: [c, c] as const };
}

describe("the tenths dial", () => {
  test.each([0.03, 0.31, 0.62, 0.97])(
    "a red pointer at %s of a turn is read within a hundredth, the centre given 4 px off, with or without a red hub",
    (turn) => {
      for (const hub of [0, 0.4]) {
        const { red, centre } = dial(turn, 40, hub);
        const read = pointerTurn(red, [centre[0] + 3, centre[1] - 3], 40);
        expect("turn" in read).toBe(true);
        const off = "turn" in read ? Math.abs(((read.turn - turn + 1.5) % 1) - 0.5) : 1;
        expect(off).toBeLessThan(0.01);
      }
    },
  );

  test("a dial with no red, or red that points nowhere (a round spot), says why it gives no turn", () => {
    const { red, centre } = dial(0.3, 40, 0);
    red.data.fill(0);
    expect(pointerTurn(red, centre, 40)).toEqual({ error: "no red pointer on the tenths dial" });
    const spot = dial(0.3, 40, 0.5);
    for (let i = 0; i < spot.red.data.length; i++) {
      const [x, y] = [i % spot.red.width, Math.floor(i / spot.red.width)];
      spot.red.data[i] = Math.hypot(x - spot.centre[0], y - spot.centre[1]) <= 20 ? 90 : 0;
    }
    expect(pointerTurn(spot.red, spot.centre, 40)).toEqual({
      error: "the red on the tenths dial points nowhere (no longer than wide)",
    });
  });

  test("the turn is levelled by the camera's tilt: a dial seen turned 36° clockwise shows a tenth more", () => {
    expect(levelled({ turn: 0.05 }, 36)).toEqual({ turn: 0.95 });
    expect(levelled({ turn: 0.6 }, -36)).toEqual({ turn: 0.7 });
    expect(levelled({ error: "no red pointer on the tenths dial" }, 36)).toEqual({
      error: "no red pointer on the tenths dial",
    });
  });
});
