/**
 * Digit shapes drawn in the meter's typeface (the profile's `typeface`), for the digits a batch
 * has not shown whole: a task of a few photos rarely shows all ten. One `convert` draws them all.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { cleanLevels, sampleShape, type Shape } from "./digit-shapes";
import { run } from "./exec";
import { parsePgm } from "./pgm";

/** Shapes of 0..9, or an error naming the typeface when ImageMagick cannot draw it. */
export async function typefaceShapes(typeface: string, workDir: string): Promise<Shape[]> {
  const files = Array.from({ length: 10 }, (_, d) => path.join(workDir, `typeface-${d}.pgm`));
  const args = ["-background", "white", "-fill", "black", "-font", typeface, "-pointsize", "96"];
  files.forEach((file, d) =>
    args.push("(", `label:${d}`, "-trim", "+repage", "-depth", "8", "-write", file, "+delete", ")"),
  );
  args.push("xc:", "null:");
  const { code, stderr } = await run("convert", args);
  // ImageMagick falls back to its default font with only a warning; a reading must not rest on it.
  if (code !== 0 || /unable to read font|not found/i.test(stderr))
    throw new Error(
      `cannot draw digits in typeface "${typeface}": ${stderr.trim().split("\n")[0] ?? `convert exited ${code}`}`,
    );
  return Promise.all(
    files.map(async (file) => {
      const img = parsePgm(await readFile(file));
      // -trim leaves exactly the digit's ink: it is its own box, black on pure white.
      return sampleShape(img, cleanLevels(img), (img.width - 1) / 2, 0, img.height);
    }),
  );
}
