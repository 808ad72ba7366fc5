/** A job's tasks as Batch lists them, page by page. */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { ifFound } from "./if-found";

/** Every task of the job with the properties `select` names (OData $select); undefined when there is no such job. */
export async function listJobTasks(
  client: BatchServiceClient,
  jobId: string,
  select: string,
): Promise<BatchServiceModels.CloudTask[] | undefined> {
  const first = await ifFound(client.task.list(jobId, { taskListOptions: { select } }));
  if (!first) return undefined;
  const tasks: BatchServiceModels.CloudTask[] = [];
  let page: BatchServiceModels.TaskListResponse = first;
  for (;;) {
    tasks.push(...page);
    const next = page.odatanextLink;
    if (!next) return tasks;
    page = await client.task.listNext(next);
  }
}
