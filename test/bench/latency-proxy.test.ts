/**
 * The upload section's latency proxy (bench/latency-proxy.ts): every request is held once before
 * it is forwarded, bodies pass intact and stream both ways, and a staged block upload to Azurite
 * is held once per request it makes. The hold is the test's own gate, so nothing here is timed.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startLatencyProxy, type LatencyProxy } from "../../bench/latency-proxy";
import { startAzurite, type Azurite } from "../../local/azurite";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Held {
  ms: number;
  method: string;
  url: string;
  release: () => void;
}

/** A hold that lets each request go only when the test says so. */
function gate() {
  const held: Held[] = [];
  const waiting: ((h: Held) => void)[] = [];
  return {
    held,
    hold: (ms: number, req: { method: string; url: string }) =>
      new Promise<void>((release) => {
        const h = { ms, ...req, release };
        held.push(h);
        waiting.shift()?.(h);
      }),
    /** The next request to be held (or the one already held and not yet asked for). */
    next: (() => {
      let asked = 0;
      return () =>
        new Promise<Held>((resolve) => {
          const i = asked++;
          if (held[i]) resolve(held[i]);
          else waiting.push(resolve);
        });
    })(),
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return server;
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const closeServer = (s: Server) =>
  new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });

function send(
  url: string,
  method: string,
  write: (req: ReturnType<typeof request>) => void,
): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    write(req);
  });
}

describe("latency proxy in front of a plain HTTP server", () => {
  const seen: { method: string; url: string; body: Buffer }[] = [];
  let upstream: Server;
  let proxy: LatencyProxy;
  let g: ReturnType<typeof gate>;

  beforeAll(async () => {
    upstream = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method ?? "", url: req.url ?? "", body });
        res.writeHead(201, { "x-body-sha256": sha256(body), "x-seen-host": req.headers.host ?? "" });
        res.end(body);
      });
    });
    g = gate();
    proxy = await startLatencyProxy(urlOf(upstream), { latencyMs: 20, hold: g.hold });
  });
  afterAll(async () => {
    await proxy?.close();
    await closeServer(upstream);
  });

  test("holds a request with the latency before forwarding it, then passes the answer back", async () => {
    const before = seen.length;
    const answer = send(`${proxy.origin}/some/path?comp=block&blockid=AA%3D%3D`, "PUT", (req) => req.end("hello"));
    const held = await g.next();
    expect({ ms: held.ms, method: held.method, url: held.url }).toEqual({
      ms: 20,
      method: "PUT",
      url: "/some/path?comp=block&blockid=AA%3D%3D",
    });
    expect(seen.length).toBe(before);
    expect(proxy.requests).toBe(0);
    held.release();
    const res = await answer;
    expect(res.status).toBe(201);
    expect(res.body.toString()).toBe("hello");
    expect(res.headers["x-seen-host"]).toBe(new URL(urlOf(upstream)).host);
    expect(seen.slice(before).map((r) => [r.method, r.url, r.body.toString()])).toEqual([
      ["PUT", "/some/path?comp=block&blockid=AA%3D%3D", "hello"],
    ]);
    expect(proxy.requests).toBe(1);
  }, 20_000);

  test("a large body arrives intact both ways, and each request on a kept-alive connection is held once", async () => {
    const body = randomBytes(8 * 1024 * 1024 + 17);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = g.held.length;
    const go = (b: Buffer) =>
      new Promise<{ status: number; sha: string | undefined; echoed: Buffer }>((resolve, reject) => {
        const req = request(`${proxy.origin}/big`, { method: "PUT", agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              sha: res.headers["x-body-sha256"] as string | undefined,
              echoed: Buffer.concat(chunks),
            }),
          );
        });
        req.on("error", reject);
        req.end(b);
      });
    const first = go(body);
    (await g.next()).release();
    const second = go(body.subarray(0, 1000));
    (await g.next()).release();
    const [a, b] = await Promise.all([first, second]);
    agent.destroy();
    expect(a.status).toBe(201);
    expect(a.sha).toBe(sha256(body));
    expect(sha256(a.echoed)).toBe(sha256(body));
    expect(b.sha).toBe(sha256(body.subarray(0, 1000)));
    expect(g.held.length - before).toBe(2);
  }, 20_000);
});

describe("latency proxy streams bodies rather than holding them whole", () => {
  test("the service sees the start of a request body before the client has sent the rest, and the client the start of the answer", async () => {
    let gotFirstRequestChunk!: () => void;
    const requestStarted = new Promise<void>((r) => (gotFirstRequestChunk = r));
    let clientGotFirstAnswerChunk!: () => void;
    const answerStarted = new Promise<void>((r) => (clientGotFirstAnswerChunk = r));
    const upstream = await listen((req, res) => {
      let n = 0;
      req.once("data", () => gotFirstRequestChunk());
      req.on("data", (c: Buffer) => (n += c.length));
      req.on("end", () => {
        res.writeHead(200);
        res.write("first part;");
        // The rest of the answer only once the client has the first part: a proxy that waited for
        // the whole answer would never pass it on.
        void answerStarted.then(() => res.end(`second part, ${n} bytes`));
      });
    });
    const proxy = await startLatencyProxy(urlOf(upstream), { latencyMs: 1 });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`${proxy.origin}/stream`, { method: "POST" }, (res) => {
          let s = "";
          res.once("data", () => clientGotFirstAnswerChunk());
          res.on("data", (c: Buffer) => (s += c.toString()));
          res.on("end", () => resolve(s));
        });
        req.on("error", reject);
        req.write(Buffer.alloc(64 * 1024, 1));
        // Likewise the rest of the body only once the service has the start of it.
        void requestStarted.then(() => req.end(Buffer.alloc(1000, 2)));
      });
      expect(text).toBe(`first part;second part, ${64 * 1024 + 1000} bytes`);
    } finally {
      await proxy.close();
      await closeServer(upstream);
    }
  }, 20_000);

  test("a service that cannot be reached is a 502 from the proxy", async () => {
    const gone = await listen(() => undefined);
    const url = urlOf(gone);
    await closeServer(gone);
    const proxy = await startLatencyProxy(url, { latencyMs: 1 });
    try {
      const res = await send(`${proxy.origin}/x`, "GET", (req) => req.end());
      expect(res.status).toBe(502);
      expect(res.body.toString()).toMatch(/latency proxy: .*ECONNREFUSED/);
    } finally {
      await proxy.close();
    }
  });
});

describe("latency proxy in front of Azurite", () => {
  let azurite: Azurite;
  let dir: string;

  beforeAll(async () => {
    azurite = await startAzurite({ inMemory: true });
    dir = await mkdtemp(path.join(tmpdir(), "latency-proxy-"));
  });
  afterAll(async () => {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a block upload in several stages is held once per request, and the blob reads back intact", async () => {
    const held: { method: string; url: string }[] = [];
    const proxy = await startLatencyProxy(azurite.blobEndpoint, {
      latencyMs: 20,
      hold: (_ms, req) => {
        held.push(req);
        return Promise.resolve();
      },
    });
    try {
      const endpoint = new URL(new URL(azurite.blobEndpoint).pathname, proxy.origin).toString();
      const service = new BlobServiceClient(
        endpoint,
        new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
      );
      const container = service.getContainerClient("latency");
      await container.create();
      const bytes = randomBytes(5 * 64 * 1024 + 123);
      const file = path.join(dir, "photo.bin");
      await writeFile(file, bytes);
      const blob = container.getBlockBlobClient("photo.bin");
      held.length = 0;
      await blob.uploadFile(file, { maxSingleShotSize: 64 * 1024, blockSize: 64 * 1024, concurrency: 2 });
      const kinds = held.map((h) => `${h.method} ${new URL(h.url, "http://x").searchParams.get("comp") ?? ""}`);
      expect(kinds.filter((k) => k === "PUT block")).toHaveLength(6);
      expect(kinds.filter((k) => k !== "PUT block")).toEqual(["PUT blocklist"]);
      expect(proxy.requests).toBe(1 + 6 + 1);
      const back = await blob.downloadToBuffer();
      expect(sha256(back)).toBe(sha256(bytes));
    } finally {
      await proxy.close();
    }
  });
});
