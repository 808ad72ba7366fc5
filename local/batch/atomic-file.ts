/**
 * A file replaced whole or not at all: written beside its final name, flushed to disk, then
 * renamed over it, so a reader (or a start after a SIGKILL or power loss) finds the old
 * contents or the new, never half of each. Hand-written because write-file-atomic is only a
 * transitive dependency here, and these few lines are all that is needed.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

let tempCounter = 0;

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  // Pid and counter: two writers (two services, or two writes in flight) never share a temp file.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(path.dirname(file));
}

/** The rename itself is durable only once the directory is flushed too. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The file's text, or undefined if there is no such file. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
