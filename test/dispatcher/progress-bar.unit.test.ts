/**
 * The progress bar on a terminal, as the terminal shows it: lines logged while it is drawn (the
 * pool growing, a bad node) stand above it on lines of their own.
 */
import { Writable } from "node:stream";
import { createProgress } from "../../tasks/progress";

/** A terminal's screen after `raw`: the cursor moves and erasures that cli-progress and readline write. */
function screen(raw: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const line = () => (rows[row] ??= []);
  for (let i = 0; i < raw.length; i++) {
    const rest = raw.slice(i);
    const csi = rest.startsWith("\u001b[") ? /^(\??)(\d*)([A-Za-z])/.exec(rest.slice(2)) : null;
    if (csi) {
      const [params, priv, n, op] = csi;
      const all = `\u001b[${params}`;
      if (!priv && op === "G") col = Number(n || 1) - 1;
      else if (!priv && op === "K" && n === "2") line().length = 0;
      else if (!priv && op === "K") line().length = Math.min(line().length, col);
      else if (!priv) throw new Error(`the screen does not know ${JSON.stringify(all)}`);
      i += all.length - 1;
    } else if (rest.startsWith("\u001b7")) {
      saved = { row, col };
      i += 1;
    } else if (rest.startsWith("\u001b8")) {
      ({ row, col } = saved);
      i += 1;
    } else if (raw[i] === "\n") {
      row += 1;
      col = 0;
    } else if (raw[i] === "\r") {
      col = 0;
    } else {
      const cells = line();
      while (cells.length < col) cells.push(" ");
      cells[col++] = raw[i] as string;
    }
  }
  return rows.map((cells) => (cells ?? []).join("").trimEnd()).filter((text) => text !== "");
}

function terminal(): { stream: Writable & { isTTY: boolean; columns: number }; written: () => string } {
  let raw = "";
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        raw += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  return { stream, written: () => raw };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the progress bar on a terminal", () => {
  test("a line logged while the bar is drawn goes above it, and one logged just before it stops is kept", async () => {
    const { stream, written } = terminal();
    const progress = createProgress({ label: "tasks", total: 2, tty: true, stream });
    progress.update(0, "0/2 tasks done");
    // The bar redraws on a timer (10 per second): past its first draw.
    await sleep(250);
    expect(screen(written())).toEqual([expect.stringMatching(/^tasks \[░+\] 0% \| 0\/2 tasks done$/)]);
    progress.aboveBar?.("pool p: autoscale asks for 1 node(s) (was 0 node(s))");
    await sleep(250);
    progress.update(2, "2/2 tasks done");
    progress.aboveBar?.("pool p: 0 → 1 node(s)");
    progress.stop();
    expect(screen(written())).toEqual([
      "pool p: autoscale asks for 1 node(s) (was 0 node(s))",
      "pool p: 0 → 1 node(s)",
      expect.stringMatching(/^tasks \[█+\] 100% \| 2\/2 tasks done$/),
    ]);
  });

  test("no bar, no place above it: plain lines are the caller's to interleave", () => {
    const lines: string[] = [];
    const progress = createProgress({ label: "tasks", total: 2, tty: false, write: (line) => lines.push(line) });
    expect(progress.aboveBar).toBeUndefined();
    progress.update(1, "1/2 tasks done");
    progress.stop();
    expect(lines).toEqual(["tasks: 1/2 tasks done"]);
  });
});
