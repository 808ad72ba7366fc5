/**
 * The local Batch service: one Batch account on 127.0.0.1 whose nodes are directories under a
 * data directory and whose linked auto-storage is a local Azurite.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import * as taskFiles from "../task-files";
import type { StorageAccess } from "../task-files/types";
import { Autoscaler } from "./autoscaler";
import type { ServiceConfig, TaskFileOps } from "./context";
import { Fleet } from "./fleet";
import { FaultDice } from "./fault-dice";
import { NodeFaults } from "./fault-nodes";
import { requestFaults } from "./fault-http";
import { describeFaultSpec, type FaultSpec } from "./fault-spec";
import { createBatchServer } from "./http";
import { startIdentityEndpoint } from "./identity-endpoint";
import { JobPrepRelease } from "./job-prep-release";
import { JobRules } from "./job-rules";
import { NodeRemoval } from "./node-removal";
import { ProcessSlots } from "./process-slots";
import { accountRoutes } from "./routes/account";
import { fileRoutes } from "./routes/files";
import { prepReleaseRoutes } from "./routes/job-prep-release";
import { jobScheduleRoutes, newJobSchedules } from "./routes/job-schedules";
import { jobRoutes } from "./routes/jobs";
import { nodeAndApplicationRoutes } from "./routes/nodes-and-apps";
import { nodeOperationRoutes } from "./routes/node-operations";
import { poolRoutes } from "./routes/pools";
import type { Services } from "./routes/services";
import { taskRoutes } from "./routes/tasks";
import { Scheduler } from "./scheduler";
import { resumeAfterRestart } from "./restart-recovery";
import { loadSavedState, StateKeeper } from "./state-keeper";
import { restoreState } from "./state-snapshot";
import { BatchState, changeCount, key } from "./state";

export interface BatchServiceOptions {
  port?: number;
  dataDir: string;
  storage: StorageAccess;
  accountName?: string;
  maxProcesses?: number;
  log?: (line: string) => void;
  files?: TaskFileOps;
  trace?: boolean;
  /**
   * How many times faster than real time autoscale runs (1 by default): with 60, a pool's
   * 5-minute evaluation interval passes in 5 seconds and samples come every half second.
   */
  autoscaleTimeScale?: number;
  /** How many times faster job schedules' recurrence intervals and start windows pass (1 by default): with 60, PT1M is a second. */
  scheduleTimeScale?: number;
  /**
   * Keep pools, nodes, jobs, tasks and packages in the data directory and take them up again on
   * the next start there (`npm run local -- --data DIR`); off, the state lives in memory only.
   */
  persistState?: boolean;
  /** How often, with persistState, the service's own changes are written unasked (every 100 ms by default). */
  stateWatchMs?: number;
  /** Faults to inject (`npm run local -- --faults SPEC`, fault-spec.ts); none by default. */
  faults?: FaultSpec;
  /** The seed of the faults' draws, to replay a run; a random one (logged) by default. */
  faultsSeed?: number;
}

export interface BatchService {
  endpoint: string;
  accountName: string;
  /** A fresh random key per start: nothing to keep secret across runs. */
  accountKey: string;
  /** Where @azure/identity's ManagedIdentityCredential gets tokens this service accepts (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`). */
  managedIdentity: { endpoint: string; header: string };
  registerApplicationPackage(applicationId: string, version: string, zipPath: string): Promise<void>;
  /** Faults injected since this start, by kind (all 0 without `faults`): what a chaos test checks happened. */
  injectedFaults(): InjectedFaults;
  stop(): Promise<void>;
}

export interface InjectedFaults {
  drop: number;
  throttle: number;
  error: number;
  /** Requests held for the spec's latency. */
  delayed: number;
  preempted: number;
  bad: number;
}

export const DEFAULT_ACCOUNT_NAME = "localbatch";

export async function startBatchService(opts: BatchServiceOptions): Promise<BatchService> {
  let endpoint = "";
  const config: ServiceConfig = {
    accountName: opts.accountName ?? DEFAULT_ACCOUNT_NAME,
    accountKey: randomBytes(64).toString("base64"),
    dataDir: path.resolve(opts.dataDir),
    maxProcesses: opts.maxProcesses ?? os.availableParallelism(),
    storage: opts.storage,
    baseUrl: () => endpoint,
    log: opts.log ?? (() => undefined),
  };
  await mkdir(config.dataDir, { recursive: true });
  const files = opts.files ?? taskFiles;
  const state = new BatchState();
  // The callbacks run only after start-up, once the scheduler exists.
  const slots = new ProcessSlots(config.maxProcesses, () => scheduler.kick());
  const fleet = new Fleet(state, config, files, () => scheduler.kick(), slots);
  const scheduler = new Scheduler(state, config, files, fleet, slots);
  const rules = new JobRules(state, scheduler, config.log);
  scheduler.rules = rules;
  scheduler.prepRelease = new JobPrepRelease(config, files, fleet, slots, config.log);
  const removal = new NodeRemoval(state, fleet, scheduler, config.dataDir, config.log);
  const autoscaler = new Autoscaler(state, fleet, removal, {
    timeScale: opts.autoscaleTimeScale ?? 1,
    log: config.log,
  });
  const services: Services = { state, fleet, scheduler, rules, config, removal, autoscaler };
  const schedules = newJobSchedules(services, opts.scheduleTimeScale ?? 1);
  const saved = opts.persistState ? await loadSavedState(config.dataDir) : undefined;
  const keeper = opts.persistState
    ? new StateKeeper({
        dataDir: config.dataDir,
        state,
        baseUrl: config.baseUrl,
        revision: changeCount,
        log: config.log,
        watchMs: opts.stateWatchMs,
      })
    : undefined;

  const faults = opts.faults && { spec: opts.faults, dice: new FaultDice(opts.faultsSeed ?? FaultDice.randomSeed()) };
  const onRequest = faults && requestFaults(faults.spec, faults.dice, config.log);

  const identity = await startIdentityEndpoint();
  const server = createBatchServer({
    verifiers: { account: config.accountName, accountKey: config.accountKey, tokens: identity.tokens },
    baseUrl: config.baseUrl,
    log: config.log,
    trace: opts.trace ?? process.env.BATCH_OCR_TRACE === "1",
    beforeReply: keeper && (() => keeper.flushIfChanged()),
    beforeHandling: onRequest && ((method, url) => onRequest.beforeHandling(method, url)),
    routes: [
      ...poolRoutes(services),
      ...nodeAndApplicationRoutes(services),
      ...jobRoutes(services),
      ...taskRoutes(services),
      ...prepReleaseRoutes(services),
      ...fileRoutes(services),
      ...nodeOperationRoutes(services),
      ...accountRoutes(services),
      ...jobScheduleRoutes(services, schedules),
    ],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    await identity.stop();
    throw err;
  }
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Synchronously after listening: no request is answered from a state not yet restored.
  try {
    if (saved !== undefined) {
      restoreState(saved, state, endpoint, config.dataDir, saved.file);
      resumeAfterRestart(services);
      schedules.resume();
      config.log(
        `local Batch service: ${state.pools.size} pool(s) and ${state.jobs.size} job(s) taken up again from ${saved.file}`,
      );
    }
    await keeper?.begin(saved?.generation ?? 0);
  } catch (err) {
    server.close();
    await identity.stop();
    throw err;
  }
  const nodeFaults = faults && new NodeFaults({ ...services, log: config.log }, faults.spec, faults.dice);
  if (faults)
    config.log(
      `local Batch service: injecting faults ${describeFaultSpec(faults.spec)} (seed ${faults.dice.seed}; --faults-seed ${faults.dice.seed} replays them)`,
    );
  config.log(`local Batch service listening on ${endpoint}`);

  return {
    endpoint,
    accountName: config.accountName,
    accountKey: config.accountKey,
    managedIdentity: { endpoint: identity.endpoint, header: identity.header },
    async registerApplicationPackage(applicationId, version, zipPath) {
      const dir = path.join(config.dataDir, "applications", applicationId);
      await mkdir(dir, { recursive: true });
      const stored = path.join(dir, `${version}.zip`);
      await copyFile(zipPath, stored);
      let app = state.applications.get(key(applicationId));
      if (!app) state.applications.set(key(applicationId), (app = { id: applicationId, versions: new Map() }));
      app.versions.set(version, { zipPath: stored });
      await keeper?.flush();
    },
    injectedFaults: () => ({
      drop: onRequest?.injected.drop ?? 0,
      throttle: onRequest?.injected.throttle ?? 0,
      error: onRequest?.injected.error ?? 0,
      delayed: onRequest?.injected.delayed ?? 0,
      preempted: nodeFaults?.injected.preempted ?? 0,
      bad: nodeFaults?.injected.bad ?? 0,
    }),
    async stop() {
      await keeper?.close();
      nodeFaults?.close();
      autoscaler.close();
      schedules.close();
      scheduler.close();
      const stops: Promise<void>[] = [];
      for (const job of state.jobs.values())
        for (const task of scheduler.runningTasks(job)) stops.push(scheduler.stop(job, task, "delete"));
      stops.push(scheduler.prepRelease.close());
      stops.push(fleet.stopAll());
      await Promise.all(stops);
      for (const pool of state.pools.values())
        for (const node of state.poolNodes(pool.id).values()) fleet.setState(node, "leavingpool");
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await identity.stop();
    },
  };
}
