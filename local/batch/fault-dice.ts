/**
 * Seeded draws for fault injection, so a failing chaos run can be replayed with the same
 * `--faults-seed`. Each kind of decision has its own stream (the n-th draw of a stream is
 * SHA-256 of seed, stream and n), so adding latency or a node fault does not shift which
 * requests are throttled.
 */
import { createHash, randomInt } from "node:crypto";

export type Draw = () => number;

export class FaultDice {
  private readonly counters = new Map<string, number>();

  constructor(readonly seed: number) {}

  /** A fresh seed for a run that was not given one; the service logs it. */
  static randomSeed(): number {
    return randomInt(0, 2 ** 32);
  }

  /** Uniform draws in [0, 1) from the named stream, the same sequence for the same seed. */
  stream(name: string): Draw {
    return () => {
      const n = this.counters.get(name) ?? 0;
      this.counters.set(name, n + 1);
      const digest = createHash("sha256").update(`${this.seed}:${name}:${n}`).digest();
      // 48 bits: well inside a double's exact integers.
      return digest.readUIntBE(0, 6) / 2 ** 48;
    };
  }
}
