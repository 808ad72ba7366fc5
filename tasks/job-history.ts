/**
 * A job's task history read from Batch, as the pending tasks it kept its pool busy with: Batch is
 * reached as `npm run ocr` reaches it, through a deployment's stack outputs.
 */
import type { StackOutputs } from "../contracts/stack-outputs";
import { connect, sharedKeysFromEnv } from "./credentials";
import { listJobTasks } from "./job-tasks";
import { outputsFromFile, outputsFromStack, projectRoot } from "./outputs";
import { pendingTimeline, taskSpan, type JobTimeline, type TaskSpan } from "./pending-timeline";

/** Where the job ran: an outputs file, or a stack whose outputs the Pulumi CLI gives (dev by default). */
export interface Deployment {
  outputs?: string;
  stack?: string;
}

/** Where the job ran: the outputs file, else the stack's outputs through the Pulumi CLI. */
function deploymentOf(where: Deployment): Promise<StackOutputs> {
  if (where.outputs) return outputsFromFile(where.outputs);
  return outputsFromStack(where.stack ?? "dev", { projectDir: projectRoot() });
}

/** The job's pending tasks over time, from its task history in Batch (keys as `npm run ocr` takes them). */
export async function readJobTimeline(
  jobId: string,
  where: Deployment,
  env: NodeJS.ProcessEnv = process.env,
): Promise<JobTimeline> {
  const outputs = await deploymentOf(where);
  const { batchClient } = connect(outputs, { keys: sharedKeysFromEnv(env) });
  const tasks = await listJobTasks(batchClient, jobId, "id,creationTime,state,stateTransitionTime,executionInfo");
  if (!tasks) {
    throw new Error(
      `Batch account ${outputs.batchAccountName} has no job "${jobId}" (npm run ocr deletes a job once it has collected it: run it with --keep-job to replay it)`,
    );
  }
  const timeline = pendingTimeline(
    tasks.map(taskSpan).filter((s): s is TaskSpan => s !== undefined),
    Date.now(),
  );
  if (!timeline) throw new Error(`job "${jobId}" has no tasks: there is nothing to replay`);
  return timeline;
}
