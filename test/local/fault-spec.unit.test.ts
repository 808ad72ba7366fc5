/**
 * The `--faults` spec and its seeded draws: what a user types is read strictly (one clear error
 * for a bad pair), and the same seed gives the same decisions, so a failing chaos run replays.
 */
import { FaultDice } from "../../local/batch/fault-dice";
import { requestFaults } from "../../local/batch/fault-http";
import { describeFaultSpec, NO_FAULTS, parseFaultSpec } from "../../local/batch/fault-spec";
import { BatchError } from "../../local/batch/errors";

describe("parseFaultSpec", () => {
  test("the example spec of the docs reads as typed", () => {
    const spec = parseFaultSpec("throttle=0.05,error=0.02,latency=20,drop=0.01,preempt=0.1/min,bad-node=1");
    expect(spec).toEqual({
      ...NO_FAULTS,
      throttle: 0.05,
      error: 0.02,
      latencyMs: 20,
      drop: 0.01,
      preemptPerMinute: 0.1,
      badNodes: 1,
    });
    expect(describeFaultSpec(spec)).toBe("throttle=0.05,error=0.02,drop=0.01,latency=20,preempt=0.1/min,bad-node=1");
  });

  test("rates per second and hour, units on durations, retry-after and preempt-for", () => {
    expect(parseFaultSpec("preempt=2/s,latency=5ms,retry-after=3,preempt-for=2.5s")).toMatchObject({
      preemptPerMinute: 120,
      latencyMs: 5,
      retryAfterSeconds: 3,
      preemptedForSeconds: 2.5,
    });
    expect(parseFaultSpec("preempt=6/h").preemptPerMinute).toBeCloseTo(0.1);
  });

  test.each([
    ["", /is empty/],
    ["throttle=2", /"throttle=2": throttle must be a share from 0 to 1/],
    ["throttle=abc", /throttle must be a share/],
    ["speed=1", /no fault named "speed" \(known: throttle, retry-after/],
    ["throttle", /give it a value/],
    ["drop=0.1,drop=0.2", /drop is given twice/],
    ["preempt=0.1", /must be a rate per node such as 0.1\/min/],
    ["latency=-5", /latency must be a whole number/],
    ["bad-node=1.5", /bad-node must be a whole number/],
    ["throttle=0.5,error=0.4,drop=0.2", /throttle \+ error \+ drop is 1.1: they must add up to 1 at most/],
  ])("%j is refused: %s", (text, message) => {
    expect(() => parseFaultSpec(text)).toThrow(message);
  });
});

describe("seeded decisions", () => {
  const draws = (seed: number, stream: string, n: number) => {
    const draw = new FaultDice(seed).stream(stream);
    return Array.from({ length: n }, draw);
  };

  test("the same seed gives the same draws, another seed others, each in [0, 1)", () => {
    expect(draws(7, "request", 50)).toEqual(draws(7, "request", 50));
    expect(draws(8, "request", 50)).not.toEqual(draws(7, "request", 50));
    for (const u of draws(7, "request", 1000)) expect(u >= 0 && u < 1).toBe(true);
  });

  test("streams are apart: draws of one do not shift another", () => {
    const dice = new FaultDice(7);
    const request = dice.stream("request");
    const preempt = dice.stream("preempt");
    const mixed = [request(), preempt(), preempt(), request(), request()];
    expect([mixed[0], mixed[3], mixed[4]]).toEqual(draws(7, "request", 3));
  });

  /** Which answer each of 400 requests gets under one spec and seed. */
  async function outcomes(seed: number): Promise<string[]> {
    const faults = requestFaults(
      parseFaultSpec("throttle=0.2,error=0.1,drop=0.1,retry-after=2"),
      new FaultDice(seed),
      () => undefined,
    );
    const seen: string[] = [];
    for (let i = 0; i < 400; i++) {
      try {
        seen.push((await faults.beforeHandling("GET", "/pools")) ?? "handled");
      } catch (err) {
        const e = err as BatchError;
        seen.push(`${e.status} ${e.code} ${e.headers["Retry-After"] ?? "-"}`);
      }
    }
    return seen;
  }

  test("requests get the faults at about the rates set, with Batch's codes and Retry-After, the same for the same seed", async () => {
    const seen = await outcomes(42);
    expect(await outcomes(42)).toEqual(seen);
    const count = (what: string) => seen.filter((s) => s === what).length;
    expect(new Set(seen)).toEqual(
      new Set(["handled", "drop", "429 TooManyRequests 2", "500 InternalError -", "503 ServerBusy 2"]),
    );
    // 400 draws: well within these bounds for any seed worth keeping.
    expect(count("429 TooManyRequests 2")).toBeGreaterThan(50);
    expect(count("429 TooManyRequests 2")).toBeLessThan(110);
    expect(count("drop")).toBeGreaterThan(20);
    expect(count("drop")).toBeLessThan(65);
    expect(count("handled")).toBeGreaterThan(200);
  });
});
