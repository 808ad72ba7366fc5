/**
 * Keeps the service's state on disk (with `--data`): what a client is told, a change it made or
 * a state it read, is written before the answer goes out (flush, awaited by the HTTP layer), and
 * the service's own changes (tasks running and ending, autoscale runs) within a fraction of a
 * second even if nobody asks.
 *
 * A snapshot (replaced atomically) and a journal of what changed since, one line per write,
 * appended and synced: a write costs what changed, not the whole state. A SIGKILL at any moment
 * leaves the last complete snapshot and journal lines, and at worst half a last line, which was
 * never acknowledged and is dropped. Once the journal outgrows the snapshot a new snapshot starts
 * a new journal (its generation), and each start begins one, so old lines never replay over
 * newer state.
 */
import { open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { readFileIfExists, writeFileAtomic } from "./atomic-file";
import { describeError, type Log } from "./background";
import type { BatchState } from "./state";
import { ChangeTracker } from "./state-changes";
import { applicationsOf, generationOf, takeSnapshot, type SavedState } from "./state-snapshot";

/** How often the service's own changes are looked for; a lost change is one no client saw, and a restart redoes. */
const WATCH_MS = 100;
/** A journal smaller than this is never worth a new snapshot. */
const MIN_COMPACT_BYTES = 4 * 1024 * 1024;

export const STATE_FILE = "batch-state.json";
const journalName = (generation: number) => `batch-state.${generation}.journal`;
const JOURNAL_PATTERN = /^batch-state\.\d+\.journal$/;

export interface StateKeeperOptions {
  dataDir: string;
  state: BatchState;
  /** The endpoint, known once the service listens. */
  baseUrl(): string;
  /** Changes whenever the state does (state.changeCount). */
  revision(): bigint;
  log: Log;
  /** How often the service's own changes are looked for (WATCH_MS by default). */
  watchMs?: number;
}

/** The state the last run left in the data directory, if any. */
export async function loadSavedState(
  dataDir: string,
): Promise<(SavedState & { file: string; generation: number }) | undefined> {
  const file = path.join(dataDir, STATE_FILE);
  const snapshot = await readFileIfExists(file);
  if (snapshot === undefined) return undefined;
  const generation = generationOf(snapshot, file);
  const journal = (await readFileIfExists(path.join(dataDir, journalName(generation)))) ?? "";
  return { snapshot, journal: journal.split("\n").filter((line) => line !== ""), file, generation };
}

export class StateKeeper {
  /** The write running now, if any. */
  private current: Promise<void> = Promise.resolve();
  /** The write that starts after the current one: callers that arrive meanwhile share it. */
  private next: Promise<void> | undefined;
  private written: bigint | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly tracker = new ChangeTracker();
  private generation = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;

  constructor(private readonly options: StateKeeperOptions) {}

  /** Writes the state as it is (restored or empty) as a new generation, and starts writing the service's own changes. */
  async begin(previousGeneration: number): Promise<void> {
    this.generation = previousGeneration;
    // Requests are answered meanwhile: their flushes wait for this snapshot.
    this.current = this.compact();
    await this.current;
    this.watcher = setInterval(() => {
      if (this.options.revision() === this.written || this.next) return;
      this.flush().catch((err: unknown) =>
        this.options.log(`could not keep the service's state in ${this.options.dataDir}: ${describeError(err)}`),
      );
    }, this.options.watchMs ?? WATCH_MS);
    this.watcher.unref();
  }

  /**
   * As flush, but free when nothing changed since the last write began: a read costs a write
   * only when it may show a change that is not on disk yet.
   */
  flushIfChanged(): Promise<void> {
    if (!this.next && this.options.revision() === this.written) return this.current.catch(() => undefined);
    return this.flush();
  }

  /** Resolves once every change made before the call is on disk. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.next) return this.next;
    const next = this.current
      .catch(() => undefined)
      .then(async () => {
        this.next = undefined;
        await this.write();
      });
    this.next = next;
    this.current = next;
    return next;
  }

  private async write(): Promise<void> {
    const revision = this.options.revision();
    if (this.journalBytes > Math.max(MIN_COMPACT_BYTES, this.snapshotBytes)) return this.compact();
    const { state, dataDir } = this.options;
    const { changes, commit } = this.tracker.diff(state, applicationsOf(state, dataDir));
    if (changes.length > 0) {
      const line = `${JSON.stringify(changes)}\n`;
      const handle = await open(path.join(dataDir, journalName(this.generation)), "a", 0o600);
      try {
        await handle.writeFile(line, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.journalBytes += Buffer.byteLength(line);
      commit();
    }
    this.written = revision;
  }

  /** A new snapshot and an empty journal after it; the journals before it go. */
  private async compact(): Promise<void> {
    const { state, dataDir } = this.options;
    const revision = this.options.revision();
    const generation = this.generation + 1;
    const text = JSON.stringify(takeSnapshot(state, this.options.baseUrl(), dataDir, generation));
    await writeFileAtomic(path.join(dataDir, STATE_FILE), text);
    this.generation = generation;
    this.snapshotBytes = text.length;
    this.journalBytes = 0;
    this.tracker.rememberAll(state, applicationsOf(state, dataDir));
    this.written = revision;
    for (const name of await readdir(dataDir)) {
      if (JOURNAL_PATTERN.test(name) && name !== journalName(generation))
        await rm(path.join(dataDir, name), { force: true });
    }
  }

  /**
   * Writes the state as it is now and no more after: what the service does on its way down
   * (killing tasks, nodes leaving) is not what a restart should find.
   */
  async close(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    await this.flush();
    this.closed = true;
  }
}
