/**
 * Reads prepared images with one Tesseract process per batch (the model is loaded once: about
 * 0.13 s a call otherwise), single-threaded because processes beat Tesseract's own threads on a
 * loaded node. Digits only. Tesseract's list mode stops at the first unreadable file, so pages it
 * did not reach are read again one by one.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./exec";

export interface Word {
  text: string;
  /** 0..100, Tesseract's confidence for the word. */
  conf: number;
}

/** One recognised character and where it is on its page. */
export interface Char {
  text: string;
  /** 0..100, Tesseract's confidence for the character. */
  conf: number;
  x0: number;
  x1: number;
}

export interface PageResult<T> {
  items: T[];
  error?: string;
}

const ENV = { ...process.env, OMP_THREAD_LIMIT: "1" };
const DIGITS_ONLY = ["-c", "tessedit_char_whitelist=0123456789"];

/** Parses TSV output into words per page (1-based page numbers). */
export function parseTsv(tsv: string): Map<number, Word[]> {
  const pages = new Map<number, Word[]>();
  for (const line of tsv.split("\n")) {
    const cols = line.split("\t");
    if (cols[0] !== "5" || cols.length < 12) continue;
    const page = Number(cols[1]);
    const text = (cols[11] ?? "").trim();
    if (text === "") continue;
    const words = pages.get(page) ?? [];
    words.push({ text, conf: Number(cols[10]) });
    pages.set(page, words);
  }
  return pages;
}

/** Parses hOCR with character boxes (`hocr_char_boxes=1`) into characters per page (1-based). */
export function parseHocrChars(hocr: string): Map<number, Char[]> {
  const pages = new Map<number, Char[]>();
  const pageRe = /<div class='ocr_page' id='page_(\d+)'/g;
  const starts = [...hocr.matchAll(pageRe)].map((m) => ({ page: Number(m[1]), at: m.index }));
  for (const [i, { page, at }] of starts.entries()) {
    const body = hocr.slice(at, starts[i + 1]?.at ?? hocr.length);
    const chars: Char[] = [];
    for (const m of body.matchAll(
      /<span class='ocrx_cinfo' title='x_bboxes (\d+) \d+ (\d+) \d+; x_conf ([\d.]+)'>([^<]*)<\/span>/g,
    )) {
      const text = (m[4] ?? "").trim();
      if (text !== "") chars.push({ text, conf: Number(m[3]), x0: Number(m[1]), x1: Number(m[2]) });
    }
    pages.set(page, chars);
  }
  return pages;
}

interface Reader<T> {
  args: string[];
  parse: (stdout: string) => Map<number, T[]>;
}

/** Words of a page of several lines or scattered text (TSV), page segmentation mode `psm`. */
export const wordsReader = (psm: number): Reader<Word> => ({
  args: ["--psm", String(psm), ...DIGITS_ONLY, "tsv"],
  parse: parseTsv,
});

/** Characters with their positions on a single line of digits (hOCR). */
export const charsReader: Reader<Char> = {
  args: ["--psm", "7", ...DIGITS_ONLY, "-c", "hocr_char_boxes=1", "hocr"],
  parse: parseHocrChars,
};

export async function readImages<T>(images: string[], workDir: string, reader: Reader<T>): Promise<PageResult<T>[]> {
  if (images.length === 0) return [];
  const list = path.join(workDir, `list-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(list, images.join("\n") + "\n");
  const { code, stdout } = await run("tesseract", [list, "stdout", ...reader.args], ENV);
  const pages = reader.parse(stdout);
  const lastPage = Math.max(0, ...pages.keys());
  const results: PageResult<T>[] = [];
  for (const [i, image] of images.entries()) {
    if (code === 0 || i + 1 <= lastPage) {
      results.push({ items: pages.get(i + 1) ?? [] });
      continue;
    }
    const single = await run("tesseract", [image, "stdout", ...reader.args], ENV);
    results.push(
      single.code === 0
        ? { items: reader.parse(single.stdout).get(1) ?? [] }
        : { items: [], error: `Tesseract failed: ${single.stderr.trim().split("\n")[0] ?? ""}` },
    );
  }
  return results;
}
