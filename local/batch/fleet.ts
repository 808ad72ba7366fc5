/**
 * Local compute nodes: directories on this machine that go through the states a client waits on
 * (creating → starting → waitingForStartTask → idle, or startTaskFailed), get the pool's
 * application packages unzipped once, and run the pool's start task.
 */
import { mkdir } from "node:fs/promises";
import { TaskFileError } from "../task-files/types";
import { describeError, inBackground } from "./background";
import type { ServiceConfig, TaskFileOps } from "./context";
import type { ComputeNode, ComputeNodeError, Pool, StartTask } from "./model";
import { freeLoopbackAddress } from "./node-addresses";
import { nodeDirs, taskEnvironment, type NodeDirs } from "./node-layout";
import { NodeServiceLog } from "./node-service-log";
import { bootedState, isLegalTransition } from "./node-states";
import { runProcess } from "./process-runner";
import type { ProcessSlots } from "./process-slots";
import { removeFiles } from "./remove-files";
import { BatchState, countChange, key, newNodeId, now } from "./state";

/** Long enough for a polling client to see each state, short enough not to slow tests. */
const STATE_STEP_MS = 150;

export interface InstalledPackage {
  applicationId: string;
  version: string;
  dir: string;
  isDefault: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a node does on its own, from its creation to the end of its start task. */
interface NodeLife {
  /** Settles once nothing of the node runs or writes any more; never rejects. */
  done: Promise<void>;
  /** Aborted when the node leaves: its start task is killed, or never starts. */
  leave: AbortController;
}

export class Fleet {
  /** Pool-level application packages installed on each node, by node id. */
  readonly packages = new Map<string, InstalledPackage[]>();
  readonly serviceLog = new NodeServiceLog();
  private readonly lives = new Map<string, NodeLife>();
  private closed = false;

  constructor(
    private readonly state: BatchState,
    private readonly config: ServiceConfig,
    private readonly files: TaskFileOps,
    /** Called whenever a node may take tasks (it became idle). */
    private readonly onNodeReady: () => void,
    private readonly processSlot: Pick<ProcessSlots, "acquire" | "release">,
  ) {}

  dirs(pool: Pool, node: ComputeNode): NodeDirs {
    return nodeDirs(this.config.dataDir, pool.id, node.id);
  }

  /** Brings the pool to its target node counts: new nodes start, surplus idle nodes leave first. */
  resize(pool: Pool, onRemove: (node: ComputeNode) => Promise<unknown>): void {
    pool.allocationState = "resizing";
    pool.allocationStateTransitionTime = now();
    const nodes = this.state.poolNodes(pool.id);
    const wanted = (dedicated: boolean) => (dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes);
    const work: Promise<unknown>[] = [];
    for (const dedicated of [true, false]) {
      const mine = [...nodes.values()].filter((n) => n.isDedicated === dedicated && n.state !== "leavingpool");
      for (let i = mine.length; i < wanted(dedicated); i++) work.push(this.addNode(pool, dedicated));
      // Idle and unusable nodes go first, busy ones last, as Batch picks nodes to remove.
      const surplus = mine
        .sort((a, b) => a.runningTaskSlotsCount - b.runningTaskSlotsCount)
        .slice(0, Math.max(0, mine.length - wanted(dedicated)));
      for (const node of surplus) work.push(onRemove(node));
    }
    inBackground(
      Promise.all(work).then(() => this.settle(pool)),
      `pool ${pool.id}: resize`,
      this.config.log,
    );
  }

  private settle(pool: Pool): void {
    if (this.state.pools.get(key(pool.id)) !== pool || pool.state === "deleting") return;
    const nodes = [...this.state.poolNodes(pool.id).values()];
    pool.currentDedicatedNodes = nodes.filter((n) => n.isDedicated).length;
    pool.currentLowPriorityNodes = nodes.filter((n) => !n.isDedicated).length;
    if (
      pool.currentDedicatedNodes === pool.targetDedicatedNodes &&
      pool.currentLowPriorityNodes === pool.targetLowPriorityNodes
    ) {
      pool.allocationState = "steady";
      pool.allocationStateTransitionTime = now();
    }
  }

  /** Resolves once the node exists (the pool counts it); its start task goes on after. */
  private addNode(pool: Pool, dedicated: boolean): Promise<void> {
    const node = this.newNode(pool, dedicated);
    this.state.poolNodes(pool.id).set(node.id, node);
    const dirs = this.dirs(pool, node);
    const leave = new AbortController();
    if (this.closed) leave.abort();
    const allocated = this.allocate(node, dirs, leave.signal);
    const done = allocated
      .then((ok) => (ok ? this.bootNode(pool, node, dirs, leave.signal) : undefined))
      .catch((err: unknown) => this.fail(node, err));
    this.lives.set(node.id, { done, leave });
    // A failed allocation is the node's to report (done above), not the resize's.
    return allocated.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * A node the pool had before the service restarted boots again on its own disk, as a rebooted
   * VM does: its packages are installed and its start task runs again.
   */
  rejoin(pool: Pool, node: ComputeNode): void {
    const leave = new AbortController();
    if (this.closed) leave.abort();
    this.setState(node, "starting");
    const done = this.bootNode(pool, node, this.dirs(pool, node), leave.signal).catch((err: unknown) =>
      this.fail(node, err),
    );
    this.lives.set(node.id, { done, leave });
  }

  private newNode(pool: Pool, dedicated: boolean): ComputeNode {
    const id = newNodeId(dedicated);
    const t = now();
    const node: ComputeNode = {
      id,
      url: `${this.config.baseUrl()}/pools/${pool.id}/nodes/${id}`,
      state: "creating",
      schedulingState: "enabled",
      stateTransitionTime: t,
      allocationTime: t,
      ipAddress: freeLoopbackAddress(this.state),
      affinityId: `TVM:${id}`,
      vmSize: pool.vmSize.toLowerCase(),
      totalTasksRun: 0,
      runningTasksCount: 0,
      runningTaskSlotsCount: 0,
      totalTasksSucceeded: 0,
      isDedicated: dedicated,
      nodeAgentInfo: { version: "local", lastUpdateTime: t },
      virtualMachineInfo: {
        imageReference: { version: "latest", ...pool.virtualMachineConfiguration?.imageReference },
      },
    };
    if (pool.startTask) node.startTask = pool.startTask;
    return node;
  }

  /** The node's disk; false if the node left meanwhile. */
  private async allocate(node: ComputeNode, dirs: NodeDirs, leaving: AbortSignal): Promise<boolean> {
    await Promise.all(
      [dirs.shared, dirs.startupWorkingDir, dirs.applications].map((d) => mkdir(d, { recursive: true })),
    );
    await sleep(STATE_STEP_MS);
    if (leaving.aborted) return false;
    this.setState(node, "starting");
    return true;
  }

  /** Something no start task or package explains went wrong: the node is unusable, the service goes on. */
  private fail(node: ComputeNode, err: unknown): void {
    this.config.log(`node ${node.id}: could not boot: ${describeError(err)}`);
    if (node.state === "leavingpool") return;
    this.markUnusable(node, { code: "InternalError", message: (err as Error).message });
  }

  /** The node takes no new task (the scheduler picks only idle and running nodes) until it leaves the pool. */
  markUnusable(node: ComputeNode, error: ComputeNodeError): void {
    node.errors = [error];
    this.setState(node, "unusable");
  }

  private async bootNode(pool: Pool, node: ComputeNode, dirs: NodeDirs, leaving: AbortSignal): Promise<void> {
    await sleep(STATE_STEP_MS);
    if (leaving.aborted) return;
    node.lastBootTime = now();
    try {
      const installed: InstalledPackage[] = [];
      for (const ref of pool.applicationPackageReferences ?? []) {
        if (leaving.aborted) return;
        const pkg = this.state.applicationPackage(ref.applicationId, ref.version);
        const dir = await this.files.installApplicationPackage(pkg.zipPath, dirs.applications, pkg.id, pkg.version);
        installed.push({ applicationId: pkg.id, version: pkg.version, dir, isDefault: ref.version === undefined });
      }
      this.packages.set(node.id, installed);
    } catch (err) {
      this.markUnusable(node, { code: "ApplicationPackageError", message: (err as Error).message });
      return;
    }
    const start = pool.startTask;
    if (!start) return this.ready(node);
    if (start.waitForSuccess ?? true) this.setState(node, "waitingforstarttask");
    else this.ready(node);
    const ok = await this.runStartTask(pool, node, dirs, start, leaving);
    // The node may have left the pool while its start task ran.
    if ((node.state as ComputeNode["state"]) === "waitingforstarttask") {
      if (ok) this.ready(node);
      else this.setState(node, "starttaskfailed");
    }
  }

  private ready(node: ComputeNode): void {
    this.setState(node, bootedState(node));
    this.onNodeReady();
  }

  /** The one place a node's state changes; a move node-states.ts does not list is a bug here. */
  setState(node: ComputeNode, state: ComputeNode["state"]): void {
    if (node.state === state) return;
    if (!isLegalTransition(node.state, state))
      throw new Error(`node ${node.id}: no move from ${node.state} to ${state}`);
    this.serviceLog.record(node.id, `node state ${node.state} -> ${state}`);
    node.state = state;
    node.stateTransitionTime = now();
    countChange();
  }

  /**
   * Boots a node again, marked rebooting or reimaging and with its tasks already off it: its start
   * task (if still running) is ended first; a reimage also wipes its disk, as a fresh OS disk
   * would. Resolves once the node has booted (its start task finished) or left the pool.
   */
  restart(pool: Pool, node: ComputeNode, wipe: boolean): Promise<void> {
    const previous = this.lives.get(node.id);
    previous?.leave.abort();
    const leave = new AbortController();
    if (this.closed) leave.abort();
    const dirs = this.dirs(pool, node);
    const done = (async () => {
      await previous?.done;
      if (leave.signal.aborted) return;
      if (wipe) {
        this.packages.delete(node.id);
        const failure = await removeFiles(dirs.root, `node ${node.id} of pool ${pool.id}`, this.config.log);
        if (failure !== undefined) throw new Error(failure);
        if (!(await this.allocate(node, dirs, leave.signal))) return;
      } else {
        await sleep(STATE_STEP_MS);
        if (leave.signal.aborted) return;
        this.setState(node, "starting");
      }
      delete node.errors;
      await this.bootNode(pool, node, dirs, leave.signal);
    })().catch((err: unknown) => this.fail(node, err));
    this.lives.set(node.id, { done, leave });
    return done;
  }

  /** Takes the given nodes out of the pool (whose targets the caller lowered), resizing until they are gone. */
  removeNodes(pool: Pool, nodes: readonly ComputeNode[], onRemove: (node: ComputeNode) => Promise<unknown>): void {
    pool.allocationState = "resizing";
    pool.allocationStateTransitionTime = now();
    inBackground(
      Promise.all(nodes.map(onRemove)).then(() => this.settle(pool)),
      `pool ${pool.id}: remove nodes`,
      this.config.log,
    );
  }

  /** Runs the start task until it succeeds or its retries are spent; false at once when the node leaves. */
  private async runStartTask(
    pool: Pool,
    node: ComputeNode,
    dirs: NodeDirs,
    start: StartTask,
    leaving: AbortSignal,
  ): Promise<boolean> {
    const maxRetries = start.maxTaskRetryCount ?? 0;
    const info: NonNullable<ComputeNode["startTaskInfo"]> = { state: "running", startTime: now(), retryCount: 0 };
    node.startTaskInfo = info;
    for (;;) {
      let exitCode: number | undefined;
      // A node that left (or a service that stopped) while its start task waited for a slot starts nothing.
      if (!(await this.processSlot.acquire(leaving))) return false;
      try {
        await this.files.downloadResourceFiles(start.resourceFiles ?? [], dirs.startupWorkingDir, this.config.storage);
        if (leaving.aborted) return false;
        const proc = runProcess({
          commandLine: start.commandLine,
          taskDir: dirs.startup,
          workingDir: dirs.startupWorkingDir,
          env: taskEnvironment({
            accountName: this.config.accountName,
            accountUrl: this.config.baseUrl(),
            poolId: pool.id,
            nodeId: node.id,
            isDedicated: node.isDedicated,
            node: dirs,
            packages: this.packages.get(node.id) ?? [],
            settings: start.environmentSettings ?? [],
          }),
          timeoutMs: Infinity,
        });
        const kill = () => proc.kill();
        leaving.addEventListener("abort", kill);
        const outcome = await proc.done.finally(() => leaving.removeEventListener("abort", kill));
        exitCode = outcome.exitCode;
        if (outcome.startError)
          info.failureInfo = { category: "usererror", code: "CommandProgramNotFound", message: outcome.startError };
      } catch (err) {
        if (!(err instanceof TaskFileError)) throw err;
        info.failureInfo = err.failureInfo;
      } finally {
        this.processSlot.release();
      }
      if (leaving.aborted) return false;
      if (exitCode === 0) {
        Object.assign(info, { state: "completed", endTime: now(), exitCode, result: "success" });
        delete info.failureInfo;
        return true;
      }
      if (exitCode !== undefined) {
        info.exitCode = exitCode;
        info.failureInfo ??= {
          category: "usererror",
          code: "FailureExitCode",
          message: "The task process exited with an unexpected exit code",
        };
      }
      if (maxRetries !== -1 && info.retryCount >= maxRetries) {
        Object.assign(info, { state: "completed", endTime: now(), result: "failure" });
        return false;
      }
      info.retryCount += 1;
      info.lastRetryTime = now();
    }
  }

  /** Kills every start task still running, starts no more (the service is stopping), and resolves once they have ended. */
  async stopAll(): Promise<void> {
    this.closed = true;
    for (const life of this.lives.values()) life.leave.abort();
    await Promise.all([...this.lives.values()].map((life) => life.done));
  }

  /**
   * Takes a node out of its pool and removes its files, as a deallocated VM's disk would be. Its
   * start task is ended and waited for first: removing the folder a process still wrote into
   * failed, and the failure, unhandled, ended the service. Resolves with why the files could not
   * be removed, if they could not.
   */
  async remove(pool: Pool, node: ComputeNode): Promise<string | undefined> {
    this.setState(node, "leavingpool");
    const life = this.lives.get(node.id);
    life?.leave.abort();
    await life?.done;
    this.lives.delete(node.id);
    this.state.poolNodes(pool.id).delete(node.id);
    this.packages.delete(node.id);
    this.serviceLog.forget(node.id);
    return removeFiles(this.dirs(pool, node).root, `node ${node.id} of pool ${pool.id}`, this.config.log);
  }
}
