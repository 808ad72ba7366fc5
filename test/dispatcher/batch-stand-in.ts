/**
 * A small HTTP stand-in for the add-collection and job calls, with scripted faults (429 with
 * Retry-After, 503, RequestBodyTooLarge, per-task server errors). It is not the service under test:
 * it lets the submitter's fault handling be driven deterministically through the real client.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { StackOutputs } from "../../contracts/stack-outputs";

/** Stack outputs for a deployment behind stand-ins (Batch at `endpoint`, storage at `blobEndpoint`), reached with {@link KEY}. */
export function outputsFor(endpoint: string, blobEndpoint = "http://127.0.0.1:9/standin/"): StackOutputs {
  return {
    batchAccountName: "standin",
    batchAccountEndpoint: endpoint,
    batchAuthModes: ["AAD", "SharedKey"],
    poolId: "ocr-pool",
    storageAccountName: "standin",
    blobEndpoint,
    storageSharedKeyAccess: true,
    imagesContainer: "images",
    resultsContainer: "results",
    applicationId: "ocrworker",
    applicationVersion: "1",
    poolIdentityResourceId: "/id",
    poolIdentityClientId: "00000000-0000-0000-0000-000000000000",
    location: "local",
    resourceGroupName: "local",
  };
}

export const KEY = Buffer.from("stand-in key").toString("base64");

export interface StandInRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  taskCount: number;
  bodyBytes: number;
}

export interface Fault {
  status: number;
  code: string;
  retryAfter?: string;
}

export interface StandIn {
  endpoint: string;
  requests: StandInRequest[];
  /** Task ids the stand-in holds, with how many times each was accepted. */
  tasks: Map<string, number>;
  /** Faults answered to the next add-collection calls, in order. */
  faults: Fault[];
  /** Bodies over this many bytes are refused with RequestBodyTooLarge. */
  maxBodyBytes: number;
  /** Task ids that get a one-time per-task serverError. */
  flakyTasks: Set<string>;
  close(): Promise<void>;
}

function batchError(
  res: http.ServerResponse,
  status: number,
  code: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json;odata=minimalmetadata", ...headers });
  res.end(
    JSON.stringify({
      "odata.metadata": "https://stand-in/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
      code,
      message: { lang: "en-US", value: `${code} (stand-in)` },
    }),
  );
}

export async function startStandIn(): Promise<StandIn> {
  const state: Omit<StandIn, "endpoint" | "close"> = {
    requests: [],
    tasks: new Map(),
    faults: [],
    maxBodyBytes: Number.POSITIVE_INFINITY,
    flakyTasks: new Set(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const body = Buffer.concat(chunks);
      const parsed = body.length ? (JSON.parse(body.toString("utf8")) as { value?: { id: string }[] }) : {};
      state.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        apiVersion: url.searchParams.get("api-version"),
        authorization: req.headers.authorization,
        taskCount: parsed.value?.length ?? 0,
        bodyBytes: body.length,
      });
      if (req.method === "POST" && /^\/jobs\/[^/]+\/addtaskcollection$/.test(url.pathname)) {
        if (body.length > state.maxBodyBytes) return batchError(res, 413, "RequestBodyTooLarge");
        const fault = state.faults.shift();
        if (fault)
          return batchError(res, fault.status, fault.code, fault.retryAfter ? { "retry-after": fault.retryAfter } : {});
        const value = (parsed.value ?? []).map(({ id }) => {
          if (state.flakyTasks.delete(id))
            return {
              status: "servererror",
              taskId: id,
              error: { code: "ServerBusy", message: { lang: "en-US", value: "busy" } },
            };
          if (state.tasks.has(id))
            return {
              status: "clienterror",
              taskId: id,
              error: { code: "TaskExists", message: { lang: "en-US", value: "The specified task already exists." } },
            };
          state.tasks.set(id, 1);
          return {
            status: "success",
            taskId: id,
            eTag: "0x1",
            lastModified: new Date().toUTCString(),
            location: `${url.origin}/jobs/j/tasks/${id}`,
          };
        });
        res.writeHead(200, { "content-type": "application/json;odata=minimalmetadata" });
        return res.end(JSON.stringify({ "odata.metadata": "https://stand-in/$metadata#taskaddresult", value }));
      }
      batchError(res, 400, "InvalidUri");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
