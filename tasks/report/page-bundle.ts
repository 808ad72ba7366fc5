/**
 * The report page's script as one inline string: page-script.ts bundled by esbuild, which the
 * dispatcher already needs at run time (it bundles the worker's package), so the page's code is
 * typed and checked like the rest and still ships with no build step and no file beside the page.
 */
import path from "node:path";
import { build } from "esbuild";

const ENTRY = path.join(__dirname, "page-script.ts");

let bundled: Promise<string> | undefined;

export function pageScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    write: false,
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  }).then((result) => {
    const file = result.outputFiles[0];
    if (!file) throw new Error(`esbuild produced no output for ${ENTRY}`);
    // Inside a <script> element only "</script" would end it early; the bundle may hold it in a string.
    return file.text.replace(/<\/(script)/gi, "<\\/$1");
  });
  return bundled;
}
