/**
 * Progress for long work: a bar on a terminal, plain throttled lines in CI logs (where a bar
 * would fill the log with carriage returns). Everything goes to stderr so stdout stays for results.
 */
import { MultiBar, Presets } from "cli-progress";
import { barAllowed } from "./terminal";

export interface Progress {
  update(value: number, detail: string): void;
  stop(finalLine?: string): void;
  /**
   * Only while a bar is drawn: writes a line above it. A line written to the terminal directly
   * would land on the end of the bar's line, and the bar's own redraw would not move it.
   */
  aboveBar?: (line: string) => void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Bar on a terminal (the default: stderr is one, and not TERM=dumb). */
  tty?: boolean;
  /** Where plain lines go (stderr by default). */
  write?: (line: string) => void;
  /** Minimum time between plain lines, unless the work is done. */
  lineIntervalMs?: number;
  /** Where the bar is drawn (stderr by default). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createProgress(options: ProgressOptions): Progress {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? barAllowed(stream);
  if (tty) {
    // A MultiBar of one bar, for its log(): SingleBar has none, and restores the cursor it saved
    // at its start when it stops, over whatever lines were written meanwhile.
    const bars = new MultiBar(
      { format: `${options.label} [{bar}] {percentage}% | {detail}`, stream, hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    );
    const bar = bars.create(Math.max(options.total, 1), 0, { detail: "" });
    return {
      update: (value, detail) => bar.update(value, { detail }),
      stop: (finalLine) => {
        // Not drawn on a stream that is no terminal; drawn, its logged lines wait for the next
        // redraw, which stop() alone does not do.
        if (bars.isActive) {
          bars.update();
          bars.stop();
        }
        if (finalLine) write(finalLine);
      },
      aboveBar: (line) => bars.log(`${line}\n`),
    };
  }
  const interval = options.lineIntervalMs ?? 5000;
  let lastAt = 0;
  let printed = "";
  let latest = "";
  return {
    update(_value, detail) {
      latest = `${options.label}: ${detail}`;
      const now = Date.now();
      if (latest !== printed && now - lastAt >= interval) {
        write(latest);
        lastAt = now;
        printed = latest;
      }
    },
    stop(finalLine) {
      // The state at the end is always shown, even when it came too soon after the last line.
      if (finalLine) write(finalLine);
      else if (latest !== printed) write(latest);
    },
  };
}

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}
