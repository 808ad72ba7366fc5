/**
 * Reads prepared TIFs with one Tesseract process per batch (the model is loaded once: about
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

export interface PageResult {
  words: Word[];
  error?: string;
}

const ENV = { ...process.env, OMP_THREAD_LIMIT: "1" };

function tesseractArgs(input: string, psm: number): string[] {
  return [input, "stdout", "--psm", String(psm), "-c", "tessedit_char_whitelist=0123456789", "tsv"];
}

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

export async function readTifs(tifs: string[], workDir: string, psm: number): Promise<PageResult[]> {
  if (tifs.length === 0) return [];
  const list = path.join(workDir, `list-${process.pid}-${Date.now()}.txt`);
  await writeFile(list, tifs.join("\n") + "\n");
  const { code, stdout } = await run("tesseract", tesseractArgs(list, psm), ENV);
  const pages = parseTsv(stdout);
  const lastPage = Math.max(0, ...pages.keys());
  const results: PageResult[] = [];
  for (const [i, tif] of tifs.entries()) {
    if (code === 0 || i + 1 <= lastPage) {
      results.push({ words: pages.get(i + 1) ?? [] });
      continue;
    }
    const single = await run("tesseract", tesseractArgs(tif, psm), ENV);
    results.push(single.code === 0 ? { words: parseTsv(single.stdout).get(1) ?? [] } : { words: [], error: `Tesseract failed: ${single.stderr.trim().split("\n")[0] ?? ""}` });
  }
  return results;
}
