/**
 * The clients connect() builds retry by one policy (tasks/retry.ts), and a "not there" answer is
 * a value (tasks/if-found.ts): driven through the real @azure/batch and @azure/storage-blob
 * clients against a local HTTP server that answers what each test scripts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Access } from "../../tasks/credentials";
import { ifFound } from "../../tasks/if-found";
import type { RetryOptions } from "../../tasks/retry";
import { KEY, outputsFor } from "./batch-stand-in";

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface Scripted {
  url: string;
  /** Answered in order; the last one again once they run out. */
  answers: Answer[];
  requests: string[];
  close(): Promise<void>;
}

async function scriptedServer(): Promise<Scripted> {
  const requests: string[] = [];
  const answers: Answer[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split("?")[0]}`);
    req.resume();
    req.on("end", () => {
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) ?? { status: 200 };
      res.writeHead(answer.status, { "content-length": Buffer.byteLength(answer.body ?? ""), ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    requests,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

const batchError = (status: number, code: string): Answer => ({
  status,
  headers: { "content-type": "application/json;odata=minimalmetadata" },
  body: JSON.stringify({
    "odata.metadata": "x",
    code,
    message: { lang: "en-US", value: `${code} from the scripted server` },
  }),
});
const blobError = (status: number, code: string): Answer => ({ status, headers: { "x-ms-error-code": code } });
const JOB = {
  status: 200,
  headers: { "content-type": "application/json;odata=minimalmetadata" },
  body: JSON.stringify({ id: "job-1", state: "active" }),
};
const BLOB = {
  status: 200,
  headers: { "content-type": "application/octet-stream", "last-modified": new Date().toUTCString() },
  body: "",
};

describe("retries and not-found, on the clients connect() builds", () => {
  let server: Scripted;
  const access = (retry?: RetryOptions): Access =>
    connect(outputsFor(server.url, `${server.url}/standin/`), {
      keys: { batchAccountKey: KEY, storageAccountKey: KEY },
      retry,
    });
  const blob = (a: Access) => a.blobService.getContainerClient("results").getBlobClient("job-1/manifest.json");
  beforeEach(async () => {
    server = await scriptedServer();
  });
  afterEach(async () => {
    await server.close();
  });

  test("Batch: a call answered 503, then 429 with Retry-After, then its answer, succeeds once, saying why it waited", async () => {
    server.answers.push(
      batchError(503, "ServerBusy"),
      { ...batchError(429, "TooManyRequests"), headers: { ...batchError(429, "").headers, "retry-after": "1" } },
      JOB,
    );
    const waits: { delayMs: number; reason: string }[] = [];
    const job = await access({ sleep: async () => undefined, onRetry: (i) => void waits.push(i) }).batchClient.job.get(
      "job-1",
    );
    expect(job.state).toBe("active");
    expect(server.requests).toEqual(["GET /jobs/job-1", "GET /jobs/job-1", "GET /jobs/job-1"]);
    expect(waits.map((w) => w.reason)).toEqual([
      "503 ServerBusy ServerBusy from the scripted server",
      "429 TooManyRequests TooManyRequests from the scripted server",
    ]);
    expect(waits[1]?.delayMs).toBe(1000);
  });

  test("Batch: an error that is the caller's (409) is not retried", async () => {
    server.answers.push(batchError(409, "JobExists"));
    await expect(access({ sleep: async () => undefined }).batchClient.job.get("job-1")).rejects.toMatchObject({
      statusCode: 409,
      code: "JobExists",
    });
    expect(server.requests).toHaveLength(1);
  });

  test("storage: the same number of tries as Batch, then the service's error", async () => {
    server.answers.push(blobError(503, "ServerBusy"));
    await expect(blob(access({ maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 })).getProperties()).rejects.toMatchObject({
      statusCode: 503,
    });
    expect(server.requests).toEqual([
      "HEAD /standin/results/job-1/manifest.json",
      "HEAD /standin/results/job-1/manifest.json",
      "HEAD /standin/results/job-1/manifest.json",
    ]);
  });

  test("storage: a call through a 500 gets its answer", async () => {
    server.answers.push(blobError(500, "InternalError"), BLOB);
    await expect(blob(access({ baseDelayMs: 1, maxDelayMs: 1 })).getProperties()).resolves.toMatchObject({
      contentLength: 0,
    });
    expect(server.requests).toHaveLength(2);
  });

  test("ifFound: a missing job or blob is undefined, at once; any other failure still throws", async () => {
    const a = access({ sleep: async () => undefined, baseDelayMs: 1, maxDelayMs: 1 });
    server.answers.push(
      batchError(404, "JobNotFound"),
      blobError(404, "BlobNotFound"),
      blobError(403, "AuthorizationFailure"),
    );
    await expect(ifFound(a.batchClient.job.get("job-1"))).resolves.toBeUndefined();
    await expect(ifFound(blob(a).downloadToBuffer())).resolves.toBeUndefined();
    await expect(ifFound(blob(a).downloadToBuffer())).rejects.toMatchObject({ statusCode: 403 });
    expect(server.requests).toHaveLength(3);
  });

  test("ifFound: what is there is returned as it is", async () => {
    server.answers.push(JOB);
    await expect(ifFound(access().batchClient.job.get("job-1"))).resolves.toMatchObject({
      id: "job-1",
      state: "active",
    });
  });
});
