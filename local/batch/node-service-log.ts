/**
 * What a local node's agent did (state changes, requests it acted on), kept per node as the Batch
 * agent keeps its own logs on the VM, for `uploadbatchservicelogs` to write out. In memory: a
 * service restart starts the logs afresh, as a reimaged VM's would.
 */

/** Enough for days of a node's life; the oldest lines go first, as a rotated log's would. */
const MAX_LINES_PER_NODE = 10_000;

export interface ServiceLogLine {
  time: Date;
  text: string;
}

export class NodeServiceLog {
  private readonly lines = new Map<string, ServiceLogLine[]>();

  record(nodeId: string, text: string): void {
    let lines = this.lines.get(nodeId);
    if (!lines) this.lines.set(nodeId, (lines = []));
    lines.push({ time: new Date(), text });
    if (lines.length > MAX_LINES_PER_NODE) lines.splice(0, lines.length - MAX_LINES_PER_NODE);
  }

  /** The node's lines from `start` up to `end` (both included), as log file text; empty if none. */
  between(nodeId: string, start: Date, end: Date): string {
    return (this.lines.get(nodeId) ?? [])
      .filter((l) => l.time >= start && l.time <= end)
      .map((l) => `${l.time.toISOString()} ${l.text}\n`)
      .join("");
  }

  forget(nodeId: string): void {
    this.lines.delete(nodeId);
  }
}
