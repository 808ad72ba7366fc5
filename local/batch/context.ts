/** What the parts of the local Batch service share. */
import type { OutputFile, ResourceFile, StorageAccess } from "../task-files/types";

/** The file work around a task; the task-files module in production, injectable for tests. */
export interface TaskFileOps {
  downloadResourceFiles(files: readonly ResourceFile[], workingDir: string, storage: StorageAccess): Promise<void>;
  uploadOutputFiles(
    files: readonly OutputFile[],
    workingDir: string,
    outcome: "success" | "failure",
    storage: StorageAccess,
    /** The task's environment: Batch expands `$VAR` in file patterns with it. */
    context?: { environment?: NodeJS.ProcessEnv },
  ): Promise<{ uploaded: string[] }>;
  installApplicationPackage(
    zipPath: string,
    nodeAppsDir: string,
    applicationId: string,
    version: string,
  ): Promise<string>;
}

export interface ServiceConfig {
  accountName: string;
  accountKey: string;
  dataDir: string;
  /** Processes (tasks and start tasks) running at once across all nodes. */
  maxProcesses: number;
  /** The account's linked auto-storage (Azurite). */
  storage: StorageAccess;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl(): string;
  log(line: string): void;
}
