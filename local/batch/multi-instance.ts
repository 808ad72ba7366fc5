/**
 * Multi-instance tasks (MPI), as Batch runs them: the task takes `numberOfInstances` nodes of a
 * pool with inter-node communication, one instance per node. Every instance downloads the
 * common resource files into its task directory and runs the coordination command; once all of
 * them have returned successfully, the primary runs the task's command line. The task ends when
 * that command does, and fails if it or any coordination command fails (then Batch retries the
 * whole task, up to its retry limit).
 *
 * Local nodes are directories on one machine, each with its own loopback address
 * (node-addresses.ts). An MPI launcher reaches the other hosts with ssh on Batch; here the task
 * gets OMPI_MCA_plm_rsh_agent pointing at a script (node-shell) that starts a command "on" a
 * host of the task: in that node's task directory, with that node's environment. Open MPI's
 * traffic is kept on the loopback interface, where every local node's address lives.
 */
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { quote } from "shell-quote";
import { makeDirectory } from "../task-files/make-directory";
import type { StorageAccess, TaskFailureInfo } from "../task-files/types";
import type { TaskFileOps } from "./context";
import { invalidProperty } from "./errors";
import type { ComputeNode, MultiInstanceSettings, NameValue, Pool, SubtaskInformation, Task } from "./model";
import { processFailure } from "./task-process";
import { runProcess, type ProcessOutcome, type RunningProcess } from "./process-runner";
import { now, type SubtaskRecords } from "./state";
import { checkResourceFiles } from "./task-file-rules";
import { asBody, optionalInt, requireString, type Body } from "./validate";
import type { TaskDirs } from "./node-layout";

/** Batch's limit is the pool's size; a local machine has no use for more than this many. */
export const MAX_INSTANCES = 100;
/** The port Batch names in AZ_BATCH_MASTER_NODE (MS-MPI's smpd on Windows; a convention on Linux). */
const MASTER_PORT = 6000;
const NODE_SHELL = "node-shell";

/** The multi-instance settings of a task being added, checked; undefined for an ordinary task. */
export function checkMultiInstanceSettings(body: Body): MultiInstanceSettings | undefined {
  if (body.multiInstanceSettings === undefined || body.multiInstanceSettings === null) return undefined;
  const settings = asBody(body.multiInstanceSettings);
  const numberOfInstances = optionalInt(settings, "numberOfInstances", 1, MAX_INSTANCES) ?? 1;
  // Required in the REST API's MultiInstanceSettings, and the SDKs refuse to send a task without it.
  const coordinationCommandLine = requireString(settings, "coordinationCommandLine");
  checkResourceFiles({ resourceFiles: settings.commonResourceFiles });
  // Batch: "For multi-instance Tasks, this must be 1" (TaskAddParameter.requiredSlots).
  if (body.requiredSlots !== undefined && body.requiredSlots !== 1)
    throw invalidProperty("requiredSlots", body.requiredSlots, "must be 1 for a multi-instance task");
  return {
    numberOfInstances,
    coordinationCommandLine,
    ...(Array.isArray(settings.commonResourceFiles)
      ? { commonResourceFiles: settings.commonResourceFiles as MultiInstanceSettings["commonResourceFiles"] }
      : {}),
  };
}

/**
 * The nodes a multi-instance task would run on now, primary first, or undefined if it cannot
 * start yet. On a pool without inter-node communication, or whose nodes run more than one task
 * at a time, Batch never schedules such a task: it stays active, and so it does here.
 */
export function placeInstances(
  pool: Pool,
  task: Task,
  free: (node: ComputeNode) => boolean,
  nodes: Iterable<ComputeNode>,
): ComputeNode[] | undefined {
  const settings = task.multiInstanceSettings;
  if (!settings) return undefined;
  if (!pool.enableInterNodeCommunication || pool.taskSlotsPerNode !== 1) return undefined;
  const chosen = [...nodes].filter(free).slice(0, settings.numberOfInstances);
  return chosen.length === settings.numberOfInstances ? chosen : undefined;
}

export interface InstanceNode {
  node: ComputeNode;
  pool: Pool;
  dirs: TaskDirs;
}

export interface GroupContext {
  files: TaskFileOps;
  storage: StorageAccess;
  /** The environment a task process sees on a node (node-layout's taskEnvironment), with extra settings before the task's own. */
  environmentOn(instance: InstanceNode, extra: readonly NameValue[]): NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Where the run's subtasks are kept, and written with the service's state. */
  records: SubtaskRecords;
}

/** Whether the service runs as root: Open MPI refuses to start there unless told, and local tasks run as the service's user (on Batch, a non-root task user). */
const runsAsRoot = () => process.getuid?.() === 0;

/** An instance's temporary directory, in its task directory (removed with it). */
const instanceTmp = (dirs: TaskDirs) => path.join(dirs.taskDir, "tmp");

/** The instances of one run of a multi-instance task: index 0 is the primary, the others its subtasks. */
export class InstanceGroup {
  readonly subtasks: SubtaskInformation[];
  private readonly running = new Set<RunningProcess>();
  private killed = false;

  constructor(
    private readonly task: Task,
    private readonly instances: InstanceNode[],
    private readonly ctx: GroupContext,
  ) {
    this.subtasks = instances.slice(1).map((instance, i) => ({
      id: i + 1,
      nodeInfo: {
        ...task.nodeInfo!,
        affinityId: instance.node.affinityId,
        nodeUrl: instance.node.url,
        nodeId: instance.node.id,
        // The same directory on the subtask's own node, whose file API serves it.
        taskRootDirectoryUrl: `${instance.node.url}/files/${task.nodeInfo!.taskRootDirectory}`,
      },
      state: "preparing",
      stateTransitionTime: now(),
    }));
    ctx.records.set(task, this.subtasks);
  }

  get nodes(): ComputeNode[] {
    return this.instances.map((i) => i.node);
  }

  /** Variables Batch sets for every instance, and what an MPI launcher needs to reach the local nodes. */
  settingsFor(index: number): NameValue[] {
    const hosts = this.instances.map((i) => i.node.ipAddress);
    const mine = this.instances[index]!;
    const settings: NameValue[] = [
      { name: "AZ_BATCH_HOST_LIST", value: hosts.join(",") },
      { name: "AZ_BATCH_NODE_LIST", value: hosts.join(";") },
      { name: "AZ_BATCH_MASTER_NODE", value: `${hosts[0]}:${MASTER_PORT}` },
      { name: "AZ_BATCH_IS_CURRENT_NODE_MASTER", value: String(index === 0) },
      { name: "AZ_BATCH_TASK_SHARED_DIR", value: mine.dirs.taskDir },
      { name: "OMPI_MCA_plm_rsh_agent", value: path.join(this.instances[0]!.dirs.taskDir, NODE_SHELL) },
      { name: "OMPI_MCA_btl_tcp_if_include", value: "lo" },
      { name: "OMPI_MCA_oob_tcp_if_include", value: "lo" },
      // Every Batch node has a /tmp of its own; here they share the host's, and Open MPI's
      // daemons of one job, one per node, race to create the same session directory in it
      // ("mkdir ... File exists", exit 213). Each instance's temporary files stay in its task.
      { name: "TMPDIR", value: instanceTmp(mine.dirs) },
    ];
    if (runsAsRoot())
      settings.push(
        { name: "OMPI_ALLOW_RUN_AS_ROOT", value: "1" },
        { name: "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", value: "1" },
      );
    return settings;
  }

  /** Every instance's directories and common resource files (into the task directory, one above the working directory). */
  async prepare(): Promise<void> {
    await Promise.all(
      this.instances.map(async ({ dirs }) => {
        await makeDirectory(dirs.workingDir);
        await makeDirectory(instanceTmp(dirs));
        await this.ctx.files.downloadResourceFiles(
          this.task.multiInstanceSettings?.commonResourceFiles ?? [],
          dirs.taskDir,
          this.ctx.storage,
        );
      }),
    );
    await this.writeNodeShell();
  }

  /**
   * Runs the coordination command on every instance and waits for all of them: Batch starts the
   * primary's command only once each has returned successfully. Resolves with the first failed
   * outcome, or undefined when all succeeded.
   */
  async coordinate(): Promise<{ outcome: ProcessOutcome; failureInfo?: TaskFailureInfo } | undefined> {
    const commandLine = this.task.multiInstanceSettings!.coordinationCommandLine;
    for (const sub of this.subtasks) setState(sub, "running", { startTime: now() });
    this.ctx.records.changed(this.task);
    const outcomes = await Promise.all(
      this.instances.map(async (instance, index) => {
        // The primary's own stdout.txt is its command's; its coordination output goes beside it.
        const outputDir = index === 0 ? path.join(instance.dirs.taskDir, "coordination") : instance.dirs.taskDir;
        await makeDirectory(outputDir);
        if (this.killed) return { timedOut: false, killed: true } satisfies ProcessOutcome;
        const process = runProcess({
          commandLine,
          taskDir: outputDir,
          workingDir: instance.dirs.workingDir,
          env: this.ctx.environmentOn(instance, this.settingsFor(index)),
          timeoutMs: this.ctx.timeoutMs,
        });
        this.running.add(process);
        const outcome = await process.done;
        this.running.delete(process);
        const sub = this.subtasks[index - 1];
        if (sub && outcome.exitCode !== undefined) sub.exitCode = outcome.exitCode;
        if (sub && outcome.exitCode !== 0) endSubtask(sub, "failure", processFailure(outcome));
        if (sub) this.ctx.records.changed(this.task);
        return outcome;
      }),
    );
    const failed = outcomes.find((o) => o.exitCode !== 0);
    return failed && { outcome: failed, failureInfo: processFailure(failed) };
  }

  /** The primary's command has ended (or the task stopped): the subtasks end with it. */
  finish(result: "success" | "failure"): void {
    this.kill();
    endSubtasks(this.subtasks, result);
    this.ctx.records.changed(this.task);
  }

  kill(): void {
    this.killed = true;
    for (const process of this.running) process.kill();
  }

  /**
   * The launcher's stand-in for ssh: `node-shell HOST COMMAND…` runs COMMAND with bash in HOST's
   * working directory and with HOST's environment. Options before the host (as ssh takes them) are skipped.
   */
  private async writeNodeShell(): Promise<void> {
    const cases = this.instances.map((instance, index) => {
      const env = this.ctx.environmentOn(instance, this.settingsFor(index));
      const assignments = Object.entries(env).map(([name, value]) => quote([`${name}=${value ?? ""}`]));
      return `  ${quote([instance.node.ipAddress])}) cd ${quote([instance.dirs.workingDir])} && exec env -i ${assignments.join(" ")} /bin/bash -c "$*" ;;`;
    });
    const script = [
      "#!/bin/bash",
      "# Written by the local Batch service: reaches a node of this multi-instance task as ssh would on Batch.",
      'while [ "${1#-}" != "$1" ]; do shift; done',
      'host="$1"; shift',
      'case "$host" in',
      ...cases,
      '  *) echo "node-shell: $host is not a node of this task" >&2; exit 255 ;;',
      "esac",
      "",
    ].join("\n");
    const file = path.join(this.instances[0]!.dirs.taskDir, NODE_SHELL);
    await writeFile(file, script);
    await chmod(file, 0o755);
  }
}

/**
 * Ends the subtasks a run left under way, once the run is over (also a run the service's stop cut
 * short, see restart-recovery.ts): one whose coordination command had succeeded succeeded,
 * whatever became of the primary's command.
 */
export function endSubtasks(subtasks: readonly SubtaskInformation[], result: "success" | "failure"): void {
  for (const sub of subtasks)
    if (sub.state !== "completed") endSubtask(sub, result === "success" || sub.exitCode === 0 ? "success" : "failure");
}

function endSubtask(sub: SubtaskInformation, result: "success" | "failure", failureInfo?: TaskFailureInfo): void {
  setState(sub, "completed", { endTime: now(), result, ...(failureInfo ? { failureInfo } : {}) });
}

function setState(
  sub: SubtaskInformation,
  state: SubtaskInformation["state"],
  fields: Partial<SubtaskInformation>,
): void {
  Object.assign(
    sub,
    {
      previousState: sub.state,
      previousStateTransitionTime: sub.stateTransitionTime,
      state,
      stateTransitionTime: now(),
    },
    fields,
  );
}
