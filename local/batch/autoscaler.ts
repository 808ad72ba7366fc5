/**
 * Autoscale as Batch runs it: samples every 30 seconds (task and node counts from the service's
 * state, resource metrics measured from the nodes' processes), the pool's formula evaluated at its
 * evaluation interval (and once when autoscale is enabled), `autoScaleRun` set from each run,
 * and the pool resized to the run's targets, removing nodes as $NodeDeallocationOption says.
 *
 * Time can run faster (`timeScale`): with 60, a 5-minute interval passes in 5 seconds and the
 * formula sees samples 30 seconds apart on its own clock, which is what time() returns too.
 */
import { evaluateFormula, wholeNodes, type FormulaOutcome } from "../../shared/autoscale-language/evaluate";
import { SAMPLE_PERIOD_MS, type SampleHistory } from "../../shared/autoscale-language/sample-history";
import { SAMPLED_VARIABLES } from "../../shared/autoscale-language/vocabulary";
import { describeError, type Log } from "./background";
import { durationMs } from "./durations";
import type { Fleet } from "./fleet";
import type { Pool } from "./model";
import type { NodeRemoval } from "./node-removal";
import { NodeResources } from "./node-resources";
import { nodesInPool, poolMetrics, type PoolMetrics } from "./pool-metrics";
import { key, now, touch, type BatchState } from "./state";

/** A day of samples: longer than any look-back the documentation's formulas use. */
const KEPT_SAMPLES = 2 * 60 * 24;

/** Batch's limit on what a formula may ask for; local nodes are directories, but not unbounded. */
const MAX_NODES = 1000;
/** Batch refuses a pool a second enableautoscale request within this (AutoScaleTooManyRequestsToEnable). */
const ENABLE_REQUEST_SPACING_MS = 30_000;

export interface AutoscalerOptions {
  /** How many times faster than real time the formula's clock runs; 1 unless a test wants speed. */
  timeScale: number;
  log: Log;
}

const poolNodes = (target: number): number => Math.min(MAX_NODES, wholeNodes(target));

interface Schedule {
  timer: NodeJS.Timeout;
}

export class Autoscaler {
  /** By pool object, not id: a pool deleted and added again under its id starts with no history. */
  private readonly histories = new WeakMap<Pool, SampleHistory>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly started = Date.now();
  private sampler: NodeJS.Timeout | undefined;
  private readonly resources: NodeResources;
  /** When each pool's last enableautoscale request was granted, on the formula's clock. */
  private readonly enableRequests = new WeakMap<Pool, number>();
  /** Pools whose resource sample is still being read: the next waits rather than overlapping it. */
  private readonly measuring = new WeakSet<Pool>();

  constructor(
    private readonly state: BatchState,
    private readonly fleet: Fleet,
    private readonly removal: NodeRemoval,
    private readonly options: AutoscalerOptions,
  ) {
    this.resources = new NodeResources(fleet, this.realMs(SAMPLE_PERIOD_MS));
  }

  /** The formula's clock: real time, sped up by the time scale from the service's start. */
  formulaNow(): number {
    return this.started + (Date.now() - this.started) * this.options.timeScale;
  }

  private realMs(formulaMs: number): number {
    return Math.max(1, formulaMs / this.options.timeScale);
  }

  /**
   * Whether an enableautoscale request on the pool may go ahead now (and, if so, counts it):
   * Batch grants one in 30 seconds a pool, on the clock its formulas see.
   */
  grantEnableRequest(pool: Pool): boolean {
    const now = this.formulaNow();
    const last = this.enableRequests.get(pool);
    if (last !== undefined && now - last < ENABLE_REQUEST_SPACING_MS) return false;
    this.enableRequests.set(pool, now);
    return true;
  }

  /** Starts (or restarts, with a new interval or formula) the pool's evaluations; the first runs now. */
  enable(pool: Pool): void {
    this.disable(pool);
    this.record(pool);
    this.run(pool);
    const interval = durationMs(pool.autoScaleEvaluationInterval ?? "PT15M") ?? 15 * 60_000;
    const timer = setInterval(() => this.runLogged(pool), this.realMs(interval));
    timer.unref();
    this.schedules.set(key(pool.id), { timer });
    this.sampler ??= setInterval(() => this.recordAll(), this.realMs(SAMPLE_PERIOD_MS));
    this.sampler.unref();
  }

  disable(pool: Pool): void {
    const schedule = this.schedules.get(key(pool.id));
    if (schedule) clearInterval(schedule.timer);
    this.schedules.delete(key(pool.id));
  }

  close(): void {
    for (const schedule of this.schedules.values()) clearInterval(schedule.timer);
    this.schedules.clear();
    if (this.sampler) clearInterval(this.sampler);
  }

  /** What the formula gives on this pool now, without applying it (evaluateautoscale). */
  evaluate(pool: Pool, formula: string): FormulaOutcome {
    return evaluateFormula(formula, {
      now: this.formulaNow(),
      samples: this.histories.get(pool) ?? {},
      current: poolMetrics(this.state, pool),
      targetDedicatedNodes: pool.targetDedicatedNodes,
      targetLowPriorityNodes: pool.targetLowPriorityNodes,
    });
  }

  private recordAll(): void {
    for (const pool of this.state.pools.values()) if (pool.enableAutoScale) this.record(pool);
  }

  private record(pool: Pool): void {
    const at = this.formulaNow();
    this.keep(pool, at, poolMetrics(this.state, pool));
    this.measureResources(pool, at);
  }

  /** Reading /proc takes a moment; the sample keeps the time it was taken at. */
  private measureResources(pool: Pool, at: number): void {
    if (this.measuring.has(pool)) return;
    this.measuring.add(pool);
    this.resources
      .sample(pool, nodesInPool(this.state, pool))
      .then((metrics) => {
        if (metrics) this.keep(pool, at, metrics);
      })
      .catch((err: unknown) => this.options.log(`pool ${pool.id}: resource metrics not sampled: ${describeError(err)}`))
      .finally(() => this.measuring.delete(pool));
  }

  private keep(pool: Pool, at: number, metrics: PoolMetrics): void {
    let history = this.histories.get(pool);
    if (!history) this.histories.set(pool, (history = {}));
    for (const name of SAMPLED_VARIABLES) {
      const value = metrics[name];
      if (value === undefined) continue;
      const samples = (history[name] ??= []);
      samples.push({ at, value });
      if (samples.length > KEPT_SAMPLES) samples.splice(0, samples.length - KEPT_SAMPLES);
    }
  }

  /** A timer's run: a bug here must not end the service and every pool in it. */
  private runLogged(pool: Pool): void {
    try {
      this.run(pool);
    } catch (err) {
      this.options.log(`pool ${pool.id}: autoscale run failed unexpectedly: ${describeError(err)}`);
    }
  }

  /** One autoscale run: evaluate, report on the pool, resize to the targets. */
  private run(pool: Pool): void {
    if (
      this.state.pools.get(key(pool.id)) !== pool ||
      pool.state === "deleting" ||
      !pool.enableAutoScale ||
      !pool.autoScaleFormula
    ) {
      this.disable(pool);
      return;
    }
    const outcome = this.evaluate(pool, pool.autoScaleFormula);
    pool.autoScaleRun = {
      timestamp: now(),
      results: outcome.results,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    if (outcome.error) {
      this.options.log(
        `pool ${pool.id}: autoscale evaluation failed: ${outcome.error.values[0]?.value ?? outcome.error.message}`,
      );
      return;
    }
    // A resize under way (nodes waiting for their tasks) finishes first; the next run catches up.
    if (pool.allocationState !== "steady") return;
    const dedicated = poolNodes(outcome.targetDedicatedNodes);
    const lowPriority = poolNodes(outcome.targetLowPriorityNodes);
    if (dedicated === pool.targetDedicatedNodes && lowPriority === pool.targetLowPriorityNodes && this.settled(pool))
      return;
    pool.targetDedicatedNodes = dedicated;
    pool.targetLowPriorityNodes = lowPriority;
    touch(pool);
    this.options.log(
      `pool ${pool.id}: autoscale to ${dedicated} dedicated and ${lowPriority} low-priority nodes (${outcome.nodeDeallocationOption})`,
    );
    const option = outcome.nodeDeallocationOption;
    this.fleet.resize(pool, (node) => this.removal.removeNode(pool, node, option));
  }

  private settled(pool: Pool): boolean {
    return (
      pool.currentDedicatedNodes === pool.targetDedicatedNodes &&
      pool.currentLowPriorityNodes === pool.targetLowPriorityNodes
    );
  }
}
