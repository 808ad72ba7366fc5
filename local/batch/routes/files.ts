/**
 * Files on local nodes, through the task and node file operations: list (recursive or not),
 * get (whole or an `ocp-range`), properties (HEAD) and delete. Paths arrive as one percent-encoded
 * segment (`wd%2Fa%20b.txt`) and are resolved inside the task's (or node's) directory only.
 */
import { createReadStream, existsSync } from "node:fs";
import { lstat, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { BatchError, conflict, notFound } from "../errors";
import type { BatchReply, BatchRequest, Route } from "../http";
import type { ComputeNode, Pool, Task } from "../model";
import { listReply } from "../replies";
import { nodeDirs, taskDirs } from "../node-layout";
import type { Services } from "./services";

interface FileEntry {
  name: string;
  url: string;
  isDirectory: boolean;
  properties?: { creationTime: string; lastModified: string; contentLength: number; contentType: string; fileMode: string };
}

const fileMode = (mode: number) => `0${mode.toString(8)}`;

async function walk(root: string, rel: string, recursive: boolean, urlOf: (name: string) => string, out: FileEntry[]): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      out.push({ name, url: urlOf(name), isDirectory: true });
      if (recursive) await walk(root, name, recursive, urlOf, out);
    } else if (entry.isFile()) {
      const st = await stat(path.join(root, name));
      out.push({
        name,
        url: urlOf(name),
        isDirectory: false,
        properties: {
          creationTime: st.birthtime.toISOString(),
          lastModified: st.mtime.toISOString(),
          contentLength: st.size,
          contentType: "application/octet-stream",
          fileMode: fileMode(st.mode),
        },
      });
    }
  }
}

/** The file a request names, refused when it would leave the directory the files live in. */
function resolveInside(root: string, name: string): string {
  const full = path.resolve(root, name);
  if (full !== root && !full.startsWith(root + path.sep)) throw notFound("file");
  return full;
}

function parseRange(header: string | string[] | undefined, size: number): { start: number; end: number } | undefined {
  if (typeof header !== "string") return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) throw new BatchError(400, "InvalidHeaderValue", "The value provided for one of the HTTP headers was not in the correct format.", [{ key: "HeaderName", value: "ocp-range" }]);
  const start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === "" || m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end || start >= size) throw new BatchError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.");
  return { start, end };
}

async function fileReply(req: BatchRequest, full: string, url: string): Promise<BatchReply> {
  const st = await lstat(full).catch(() => undefined);
  if (!st) throw notFound("file");
  const headers: Record<string, string> = {
    "ocp-creation-time": st.birthtime.toUTCString(),
    "ocp-batch-file-isdirectory": String(st.isDirectory()),
    "ocp-batch-file-url": url,
    "ocp-batch-file-mode": fileMode(st.mode),
    "Last-Modified": st.mtime.toUTCString(),
    "Content-Type": "application/octet-stream",
  };
  if (st.isDirectory()) {
    if (req.method === "HEAD") return { status: 200, headers: { ...headers, "Content-Length": "0" } };
    throw new BatchError(400, "FileIsDirectory", "The specified path is a directory; list it instead.");
  }
  const range = parseRange(req.headers["ocp-range"], st.size);
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  headers["Content-Length"] = String(Math.max(0, end - start + 1));
  if (req.method === "HEAD" || st.size === 0) return { status: 200, headers };
  return { status: 200, headers, stream: createReadStream(full, { start, end }) };
}

async function deleteFile(req: BatchRequest, full: string): Promise<BatchReply> {
  const st = await lstat(full).catch(() => undefined);
  if (!st) throw notFound("file");
  if (st.isDirectory()) {
    const recursive = req.query.get("recursive") === "true";
    if (!recursive && (await readdir(full)).length > 0) throw conflict("DirectoryNotEmpty", "The directory is not empty; delete it with recursive=true.");
  }
  await rm(full, { recursive: true, force: true });
  return { status: 200 };
}

export function fileRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();

  /** The task's directory on the node it ran on, if that node still has it. */
  const taskRoot = (req: BatchRequest): { root: string; task: Task } => {
    const job = s.state.job(req.params.jobId!);
    const task = s.state.task(job.id, req.params.taskId!);
    const info = task.nodeInfo;
    const pool = info && s.state.pools.get(info.poolId.toLowerCase());
    const node = info && pool && s.state.poolNodes(pool.id).get(info.nodeId);
    if (!info || !pool || !node) throw conflict("TaskFilesUnavailable", "The files of the specified task are unavailable.");
    const root = taskDirs(nodeDirs(s.config.dataDir, pool.id, node.id), job.id, task.id).taskDir;
    if (task.state === "completed" && !existsSync(root)) throw conflict("TaskFilesCleanedup", "The files of the specified task are cleaned up.");
    return { root, task };
  };

  const nodeRoot = (req: BatchRequest): { root: string; pool: Pool; node: ComputeNode } => {
    const pool = s.state.pool(req.params.poolId!);
    const node = s.state.node(pool.id, req.params.nodeId!);
    return { root: nodeDirs(s.config.dataDir, pool.id, node.id).root, pool, node };
  };

  const list = async (req: BatchRequest, root: string, url: string) => {
    const entries: FileEntry[] = [];
    await walk(root, "", req.query.get("recursive") === "true", (name) => `${url}/files/${encodeURIComponent(name)}`, entries);
    return listReply(base(), "files", entries, req, false);
  };

  return [
    { method: "GET", pattern: "/jobs/{jobId}/tasks/{taskId}/files", handler: async (req) => { const { root, task } = taskRoot(req); return list(req, root, task.url); } },
    ...(["GET", "HEAD"] as const).map((method) => ({
      method,
      pattern: "/jobs/{jobId}/tasks/{taskId}/files/{*filePath}",
      handler: async (req: BatchRequest) => {
        const { root, task } = taskRoot(req);
        return fileReply(req, resolveInside(root, req.params.filePath!), `${task.url}/files/${encodeURIComponent(req.params.filePath!)}`);
      },
    })),
    { method: "DELETE", pattern: "/jobs/{jobId}/tasks/{taskId}/files/{*filePath}", handler: async (req) => deleteFile(req, resolveInside(taskRoot(req).root, req.params.filePath!)) },
    { method: "GET", pattern: "/pools/{poolId}/nodes/{nodeId}/files", handler: async (req) => { const { root, node } = nodeRoot(req); return list(req, root, node.url); } },
    ...(["GET", "HEAD"] as const).map((method) => ({
      method,
      pattern: "/pools/{poolId}/nodes/{nodeId}/files/{*filePath}",
      handler: async (req: BatchRequest) => {
        const { root, node } = nodeRoot(req);
        return fileReply(req, resolveInside(root, req.params.filePath!), `${node.url}/files/${encodeURIComponent(req.params.filePath!)}`);
      },
    })),
  ];
}
