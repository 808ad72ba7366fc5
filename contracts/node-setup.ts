/**
 * What a pool node needs to run the OCR worker, in one place so the Pulumi pool's start task,
 * the locally deployed pool and the application package build stay in step.
 */

/**
 * Debian/Ubuntu packages the worker calls: ImageMagick (`convert`), Tesseract with English,
 * Node.js, and the DejaVu fonts, which ImageMagick draws a profile's `typeface` from (the
 * sample meters' is DejaVu Sans Mono Bold).
 */
export const WORKER_APT_PACKAGES = [
  "imagemagick",
  "tesseract-ocr",
  "tesseract-ocr-eng",
  "nodejs",
  "fonts-dejavu-core",
] as const;

/** Commands the worker runs; the start task checks them so a node that has them skips apt. */
export const WORKER_COMMANDS = ["convert", "tesseract", "node"] as const;

/** Directories the worker needs (the fonts of `fonts-dejavu-core`), checked alongside the commands. */
export const WORKER_DIRECTORIES = ["/usr/share/fonts/truetype/dejavu"] as const;

/**
 * Node.js major version the worker bundle targets: Ubuntu 24.04's `nodejs` package is 18.x,
 * and the bundle must run on it as well as on newer Node.
 */
export const WORKER_NODE_TARGET = "node18";

/** The file inside the application package that a task runs with `node`. */
export const WORKER_ENTRY = "worker.js";

/** The file the worker writes its records to (JSON lines), and the one a task uploads to the results container. */
export const RECORDS_FILE = "records.jsonl";

/**
 * The start task's command line. Batch runs command lines without a shell, so it calls bash
 * itself. It is idempotent: a node (or a local "node" on a developer machine) that already has
 * every command skips apt entirely, which keeps local runs from touching the system.
 */
export function startTaskCommandLine(): string {
  const check = [
    ...WORKER_COMMANDS.map((c) => `command -v ${c}`),
    ...WORKER_DIRECTORIES.map((d) => `test -d ${d}`),
  ].join(" && ");
  const install =
    "export DEBIAN_FRONTEND=noninteractive; " +
    "apt-get update -q && " +
    `apt-get install -y -q --no-install-recommends ${WORKER_APT_PACKAGES.join(" ")}`;
  return `/bin/bash -c "set -e; if ! (${check}) >/dev/null 2>&1; then ${install}; fi; tesseract --version | head -n 1; node --version"`;
}

/**
 * The environment variable Batch sets on a Linux node for an application package:
 * `AZ_BATCH_APP_PACKAGE_<applicationId>_<version>`, with `.`, `-` and `#` flattened to `_`
 * and the case of the application id kept.
 */
export function appPackageEnvVar(applicationId: string, version: string): string {
  const flat = (s: string) => s.replace(/[.#-]/g, "_");
  return `AZ_BATCH_APP_PACKAGE_${flat(applicationId)}_${flat(version)}`;
}
