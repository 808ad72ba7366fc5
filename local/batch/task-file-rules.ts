/**
 * Resource and output files of a task (or start task) checked when it is added, as Batch checks
 * them: the sources a resource file needs, and paths that stay inside the task's directories. A
 * resource file's filePath that breaks out is Batch's own 400; an output filePattern that reaches
 * outside the task directory is valid on Batch but refused here (501), because this service reads
 * nothing outside its data directory and a node's other directories have no fixed path locally.
 */
import path from "node:path";
import { resolveInside } from "../task-files/local-paths";
import { invalidProperty, notSupportedLocally } from "./errors";
import { requireString, type Body } from "./validate";

/** Stand-ins for the working directory and the task directory holding it: only the shape of a path matters here. */
const TASK_DIR = path.resolve("/task");
const WORKING_DIR = path.join(TASK_DIR, "wd");

const list = (body: Body, name: string): Body[] => (body[name] as Body[] | undefined) ?? [];

export function checkResourceFiles(body: Body): void {
  for (const [i, rf] of list(body, "resourceFiles").entries()) {
    const sources = ["autoStorageContainerName", "storageContainerUrl", "httpUrl"].filter((p) => rf[p] !== undefined);
    if (sources.length !== 1)
      throw invalidProperty(
        `resourceFiles[${i}]`,
        rf,
        "exactly one of autoStorageContainerName, storageContainerUrl and httpUrl must be given",
      );
    if (rf.httpUrl !== undefined && !rf.filePath)
      throw invalidProperty(`resourceFiles[${i}].filePath`, rf.filePath, "required with httpUrl");
    if (rf.filePath === undefined || rf.filePath === null) continue;
    if (typeof rf.filePath !== "string" || resolveInside(WORKING_DIR, rf.filePath) === undefined) {
      throw invalidProperty(
        `resourceFiles[${i}].filePath`,
        rf.filePath,
        "must be relative and cannot break out of the task's working directory (for example by using '..')",
      );
    }
  }
}

export function checkOutputFiles(body: Body): void {
  for (const [i, of] of list(body, "outputFiles").entries()) {
    const pattern = requireString(of, "filePattern");
    // `$VAR` patterns are checked when they are expanded, at upload time.
    const outside = path.isAbsolute(pattern) || resolveInside(TASK_DIR, path.join("wd", pattern)) === undefined;
    if (outside && !pattern.startsWith("$")) {
      throw notSupportedLocally(
        `outputFiles[${i}].filePattern '${pattern}' (a pattern outside the task directory; relative ones such as ../std*.txt work)`,
      );
    }
    const container = (of.destination as Body | undefined)?.container as Body | undefined;
    if (!container)
      throw invalidProperty(
        `outputFiles[${i}].destination.container`,
        undefined,
        "output files go to a blob container",
      );
    requireString(container, "containerUrl");
    if (!(of.uploadOptions as Body | undefined)?.uploadCondition)
      throw invalidProperty(`outputFiles[${i}].uploadOptions.uploadCondition`, undefined, "required");
  }
}
