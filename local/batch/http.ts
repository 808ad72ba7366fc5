/**
 * The HTTP side of the local Batch service: parses a request, authenticates it, checks its API
 * version, routes it, and writes Batch-shaped answers (JSON with `odata.metadata`, ETag and
 * Last-Modified headers, `odata.error` bodies for failures).
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { pipeline, type Readable } from "node:stream";
import { SUPPORTED_API_VERSIONS } from "./api-versions";
import { BatchError, batchError, newRequestId, notSupportedLocally } from "./errors";
import { authenticate, type Verifiers } from "./authentication";

export interface BatchRequest {
  method: string;
  rawPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  bodyBytes: number;
}

export interface BatchReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A file body (task files), streamed. */
  stream?: Readable;
}

export type Handler = (req: BatchRequest) => BatchReply | Promise<BatchReply>;

export interface Route {
  method: string;
  /** `/jobs/{jobId}/tasks/{taskId}`; a `{*path}` segment takes the rest of the path. */
  pattern: string;
  handler: Handler;
  /** Largest body accepted, in bytes (Batch's limit on add-collection is 1 MB). */
  maxBody?: number;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

interface Compiled extends Route {
  parts: string[];
}

function match(route: Compiled, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.parts.length; i++) {
    const part = route.parts[i]!;
    if (part.startsWith("{*")) {
      if (i >= segments.length) return undefined;
      params[part.slice(2, -1)] = segments.slice(i).join("/");
      return params;
    }
    const seg = segments[i];
    if (seg === undefined) return undefined;
    if (part.startsWith("{")) params[part.slice(1, -1)] = seg;
    else if (part !== seg.toLowerCase()) return undefined;
  }
  return segments.length === route.parts.length ? params : undefined;
}

const tooLarge = (max: number) => batchError("RequestBodyTooLarge", { MaxLimit: String(max) });

/**
 * The body, refused with 413 before it is read whole: at once when Content-Length says it is too
 * large, else as soon as what arrived passes the limit. What follows is left to drain (not
 * destroyed: a reset socket is what the client saw, after 7 s of sending 50 MB and retrying).
 * Events, not `for await`, since leaving a `for await` early destroys the request.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) return Promise.reject(tooLarge(max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off("data", onData);
      req.off("end", onEnd);
      reject(tooLarge(max));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

export interface HttpOptions {
  verifiers: Verifiers;
  routes: Route[];
  baseUrl(): string;
  log(line: string): void;
  /** Log one line per request with its answer (`npm run local -- --verbose`). */
  trace?: boolean;
  /**
   * Awaited before answering any request, reads too: what a client was told (a change it made,
   * or a task it saw complete) survives a crash right after (the state keeper's flush).
   */
  beforeReply?(): Promise<void>;
  /**
   * Awaited first, before authentication (fault injection, fault-http.ts): may delay the request,
   * throw a BatchError to answer it with, or give "drop": the connection is then cut with no answer.
   */
  beforeHandling?(method: string, url: string): Promise<"drop" | undefined>;
}

export function createBatchServer(opts: HttpOptions): Server {
  const routes: Compiled[] = opts.routes.map((r) => ({ ...r, parts: r.pattern.split("/").filter(Boolean) }));

  return createServer((req, res) => {
    const requestId = newRequestId();
    if (opts.trace) res.once("finish", () => opts.log(`${req.method} ${req.url} -> ${res.statusCode}`));
    void handle(req, res, requestId).catch((err: unknown) => {
      const error = err instanceof BatchError ? err : batchError("InternalError");
      if (!(err instanceof BatchError))
        opts.log(`internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent) return void res.destroy();
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      send(
        res,
        requestId,
        req.headers,
        { status: error.status, body: error.body(opts.baseUrl(), requestId), headers: error.headers },
        req.method === "HEAD",
      );
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const rawPath = (req.url ?? "/").split("?")[0]!;
    const method = (req.method ?? "GET").toUpperCase();
    if ((await opts.beforeHandling?.(method, rawPath)) === "drop") return void req.socket.destroy();
    await authenticate({ method, rawPath, query: url.searchParams, headers: req.headers }, opts.verifiers);

    const version = url.searchParams.get("api-version");
    if (version === null) {
      throw batchError("MissingRequiredQueryParameter", { QueryParameterName: "api-version" });
    }
    if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(version)) {
      throw batchError("UnsupportedRequestVersion", {
        QueryParameterName: "api-version",
        QueryParameterValue: version,
        Reason: `Supported here: ${SUPPORTED_API_VERSIONS.join(", ")}`,
      });
    }

    let segments: string[];
    try {
      segments = rawPath.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      throw batchError("RequestUrlFailedToParse");
    }
    const candidates = routes.filter((r) => match(r, segments));
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      if (candidates.length > 0) throw batchError("UnsupportedHttpVerb");
      throw notSupportedLocally(`${method} ${rawPath}`);
    }

    const raw = await readBody(req, route.maxBody ?? DEFAULT_MAX_BODY);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw batchError("InvalidRequestBody");
      }
    }
    const reply = await route.handler({
      method,
      rawPath,
      params: match(route, segments)!,
      query: url.searchParams,
      headers: req.headers,
      body,
      bodyBytes: raw.length,
    });
    await opts.beforeReply?.();
    send(res, requestId, req.headers, reply, method === "HEAD");
  }
}

function send(
  res: ServerResponse,
  requestId: string,
  reqHeaders: IncomingHttpHeaders,
  reply: BatchReply,
  head: boolean,
): void {
  const headers: Record<string, string> = { "request-id": requestId, DataServiceVersion: "3.0", ...reply.headers };
  const clientRequestId = reqHeaders["client-request-id"] ?? reqHeaders["x-ms-client-request-id"];
  if (typeof clientRequestId === "string") headers["client-request-id"] = clientRequestId;
  if (reply.stream) {
    res.writeHead(reply.status, headers);
    if (head) {
      reply.stream.destroy();
      res.end();
    } else {
      // pipe() leaves a read error (the file removed since it was found) with no listener, and
      // an 'error' event nobody listens to ends the process; the client gets a cut answer instead.
      pipeline(reply.stream, res, () => undefined);
    }
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...headers, "Content-Length": headers["Content-Length"] ?? "0" });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    "Content-Type": "application/json;odata=minimalmetadata",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  res.end(head ? undefined : text);
}
