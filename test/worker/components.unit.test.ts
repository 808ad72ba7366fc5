/**
 * Labelling ink pieces by runs must give exactly what a pixel flood fill gives: the same pieces,
 * boxes, areas and labels, numbered in the order of each piece's first pixel. The flood fill
 * here is the reference, written the plain way.
 */
import { labelBlobs, type Blob } from "../../worker/components";

function floodFill(mask: Uint8Array, width: number, height: number): { blobs: Blob[]; labels: Int32Array } {
  const labels = new Int32Array(width * height);
  const blobs: Blob[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const blob: Blob = { label: blobs.length + 1, left: width, top: height, right: -1, bottom: -1, area: 0 };
    labels[start] = blob.label;
    const stack = [start];
    while (stack.length) {
      const at = stack.pop() as number;
      const x = at % width;
      const y = Math.floor(at / width);
      blob.area++;
      blob.left = Math.min(blob.left, x);
      blob.right = Math.max(blob.right, x);
      blob.top = Math.min(blob.top, y);
      blob.bottom = Math.max(blob.bottom, y);
      for (let ny = y - 1; ny <= y + 1; ny++)
        for (let nx = x - 1; nx <= x + 1; nx++) {
          const n = ny * width + nx;
          if (ny >= 0 && ny < height && nx >= 0 && nx < width && mask[n] && !labels[n]) {
            labels[n] = blob.label;
            stack.push(n);
          }
        }
    }
    blobs.push(blob);
  }
  return { blobs, labels };
}

/** A mask drawn from rows of text: `#` is ink. */
function drawn(...rows: string[]): [Uint8Array, number, number] {
  const width = rows[0]?.length ?? 0;
  return [Uint8Array.from(rows.join("").split(""), (c) => (c === "#" ? 1 : 0)), width, rows.length];
}

/** A deterministic pseudo-random mask with ink at the given density. */
function randomMask(width: number, height: number, density: number, seed: number): Uint8Array {
  let state = seed;
  return Uint8Array.from({ length: width * height }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 < density ? 1 : 0;
  });
}

it("joins the arms of a U and of a V, and pixels touching only at a corner, as a flood fill does", () => {
  const shapes = [
    drawn("#...#", "#...#", "#...#", "#####"),
    drawn("#...#", ".#.#.", "..#.."),
    drawn("#....", ".#...", "..#..", "...#."),
    drawn("...#", "..#.", ".#..", "#..#", "..#."),
    drawn("#.#.#", ".....", "#.#.#"),
  ];
  for (const [mask, width, height] of shapes) {
    const runs = labelBlobs(mask, width, height);
    expect(runs).toEqual(floodFill(mask, width, height));
  }
  expect(labelBlobs(...shapes[0]!).blobs).toEqual([{ label: 1, left: 0, top: 0, right: 4, bottom: 3, area: 11 }]);
  expect(labelBlobs(...shapes[4]!).blobs).toHaveLength(6);
});

it("gives the flood fill's pieces, boxes, areas and labels on random masks of every density", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const width = 20 + (seed % 7) * 9;
    const height = 10 + (seed % 5) * 7;
    const mask = randomMask(width, height, 0.1 + (seed % 8) * 0.1, seed);
    expect(labelBlobs(mask, width, height)).toEqual(floodFill(mask, width, height));
  }
});

it("finds nothing in an empty mask and one piece in a full one", () => {
  expect(labelBlobs(new Uint8Array(12), 4, 3).blobs).toEqual([]);
  expect(labelBlobs(new Uint8Array(12).fill(1), 4, 3).blobs).toEqual([
    { label: 1, left: 0, top: 0, right: 3, bottom: 2, area: 12 },
  ]);
});
