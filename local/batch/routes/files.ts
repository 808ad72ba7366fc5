/**
 * Files on local nodes, through the task and node file operations: list (recursive or not),
 * get (whole or an `ocp-range`), properties (HEAD) and delete. Paths arrive as one percent-encoded
 * segment (`wd%2Fa%20b.txt`) and are answered from real paths inside the task's (or node's)
 * directory only: a task runs as the service's user and can plant links to anywhere.
 */
import { constants } from "node:fs";
import { lstat, open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { batchError, notFound } from "../errors";
import type { BatchReply, BatchRequest, Route } from "../http";
import { listReply } from "../replies";
import { nodeDirs, taskDirs } from "../node-layout";
import { realDirectoryUnder, realPathInside, swappedForLink } from "../../task-files/local-paths";
import type { Services } from "./services";

interface FileEntry {
  name: string;
  url: string;
  isDirectory: boolean;
  properties?: {
    creationTime: string;
    lastModified: string;
    contentLength: number;
    contentType: string;
    fileMode: string;
  };
}

const fileMode = (mode: number) => `0${mode.toString(8)}`;

async function walk(
  root: string,
  rel: string,
  recursive: boolean,
  urlOf: (name: string) => string,
  out: FileEntry[],
): Promise<void> {
  // Entries are taken only as readdir saw them (a link is neither file nor directory), but a
  // directory can be swapped for a link between two reads: each one is checked before it is read.
  if (rel !== "" && (await realDirectoryUnder(root, path.join(root, rel))) === undefined) return;
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      out.push({ name, url: urlOf(name), isDirectory: true });
      if (recursive) await walk(root, name, recursive, urlOf, out);
    } else if (entry.isFile()) {
      // A file removed since readdir saw it (its task's retention ended meanwhile) is no longer there to list.
      const st = await lstat(path.join(root, name)).catch(() => undefined);
      if (!st) continue;
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

function parseRange(header: string | string[] | undefined, size: number): { start: number; end: number } | undefined {
  if (typeof header !== "string") return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) throw batchError("InvalidHeaderValue", { HeaderName: "ocp-range" });
  const start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === "" || m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end || start >= size) throw batchError("InvalidRange");
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
    throw batchError("FileIsDirectory");
  }
  const range = parseRange(req.headers["ocp-range"], st.size);
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  headers["Content-Length"] = String(Math.max(0, end - start + 1));
  if (req.method === "HEAD" || st.size === 0) return { status: 200, headers };
  // O_NOFOLLOW: a link put in place of the checked file since the check is not followed.
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
    throw notFound("file");
  });
  return { status: 200, headers, stream: handle.createReadStream({ start, end }) };
}

async function deleteFile(req: BatchRequest, full: string): Promise<BatchReply> {
  // fs.rm unlinks links it meets instead of following them, so a recursive delete stays inside.
  const st = await lstat(full).catch(() => undefined);
  if (!st) throw notFound("file");
  if (st.isDirectory()) {
    const recursive = req.query.get("recursive") === "true";
    if (!recursive && (await readdir(full)).length > 0) throw batchError("DirectoryNotEmpty");
  }
  await rm(full, { recursive: true, force: true });
  return { status: 200 };
}

/**
 * The real directory the files live in, or undefined while it does not exist yet. A directory
 * that exists but is not where it should be (a task swapped it for a link) is `unavailable`.
 */
async function realRoot(dataDir: string, root: string, unavailable: () => Error): Promise<string | undefined> {
  if (await swappedForLink(dataDir, root)) throw unavailable();
  return realDirectoryUnder(dataDir, root);
}

/** The real path of the file a request names; 404 when it is missing from, or leads out of, the root. */
async function fileIn(root: string | undefined, name: string, followLast: boolean): Promise<string> {
  const full = root === undefined ? undefined : await realPathInside(root, name, { followLast });
  if (full === undefined || full === root) throw notFound("file");
  return full;
}

/** Whose files a request names: their real directory (undefined while it does not exist) and the owner's URL. */
interface FileOwner {
  root: string | undefined;
  url: string;
}

export function fileRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();

  /** The task's directory on the node it ran on, if that node still has it. */
  const taskFiles = async (req: BatchRequest): Promise<FileOwner> => {
    const job = s.state.job(req.params.jobId!);
    const task = s.state.task(job.id, req.params.taskId!);
    const info = task.nodeInfo;
    const pool = info && s.state.pools.get(info.poolId.toLowerCase());
    const node = info && pool && s.state.poolNodes(pool.id).get(info.nodeId);
    const unavailable = () => batchError("TaskFilesUnavailable");
    if (!info || !pool || !node) throw unavailable();
    const root = taskDirs(nodeDirs(s.config.dataDir, pool.id, node.id), job.id, task.id).taskDir;
    const real = await realRoot(s.config.dataDir, root, unavailable);
    // Looked for after the check, so that a cleanup that ends during it still says cleaned up.
    if (real === undefined && task.state === "completed") throw batchError("TaskFilesCleanedup");
    return { root: real, url: task.url };
  };

  const nodeFiles = async (req: BatchRequest): Promise<FileOwner> => {
    const pool = s.state.pool(req.params.poolId!);
    const node = s.state.node(pool.id, req.params.nodeId!);
    return {
      root: await realRoot(s.config.dataDir, nodeDirs(s.config.dataDir, pool.id, node.id).root, () => notFound("file")),
      url: node.url,
    };
  };

  /** List, get, properties and delete: the same four operations on a task's and on a node's files. */
  const routesFor = (owner: string, filesOf: (req: BatchRequest) => Promise<FileOwner>): Route[] => [
    {
      method: "GET",
      pattern: `${owner}/files`,
      handler: async (req) => {
        const { root, url } = await filesOf(req);
        const entries: FileEntry[] = [];
        if (root !== undefined)
          await walk(
            root,
            "",
            req.query.get("recursive") === "true",
            (name) => `${url}/files/${encodeURIComponent(name)}`,
            entries,
          );
        return listReply(base(), "files", entries, req, false);
      },
    },
    ...(["GET", "HEAD"] as const).map((method) => ({
      method,
      pattern: `${owner}/files/{*filePath}`,
      handler: async (req: BatchRequest) => {
        const { root, url } = await filesOf(req);
        return fileReply(
          req,
          await fileIn(root, req.params.filePath!, true),
          `${url}/files/${encodeURIComponent(req.params.filePath!)}`,
        );
      },
    })),
    {
      method: "DELETE",
      pattern: `${owner}/files/{*filePath}`,
      handler: async (req) => deleteFile(req, await fileIn((await filesOf(req)).root, req.params.filePath!, false)),
    },
  ];

  return [
    ...routesFor("/jobs/{jobId}/tasks/{taskId}", taskFiles),
    ...routesFor("/pools/{poolId}/nodes/{nodeId}", nodeFiles),
  ];
}
