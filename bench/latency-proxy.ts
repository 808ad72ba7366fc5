/**
 * An HTTP proxy that holds every request for a fixed time before forwarding it, so a service on
 * loopback (Azurite) answers as if across a network: each HTTP request pays the delay once, as
 * each request to Azure Storage pays a round trip (a staged block upload is several requests and
 * pays it several times). Bodies stream both ways; nothing is held in memory beyond the sockets'
 * own buffers, so a large photo costs the proxy no more than a small one.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface LatencyProxyOptions {
  /** Added to every request before it is forwarded. */
  latencyMs: number;
  /**
   * How a request is held; the default sleeps `ms`. A test passes its own to see each request held
   * and release it when it chooses, instead of timing anything.
   */
  hold?: (ms: number, request: { method: string; url: string }) => Promise<void>;
}

export interface LatencyProxy {
  /** `http://127.0.0.1:PORT`, to use in place of the target's origin: paths pass through unchanged. */
  readonly origin: string;
  readonly port: number;
  /** Requests forwarded so far (each held once). */
  readonly requests: number;
  close(): Promise<void>;
}

/** Headers of one connection only (RFC 9110 §7.6.1): each side of the proxy frames its own. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

export async function startLatencyProxy(targetUrl: string, options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(targetUrl);
  const hold = options.hold ?? ((ms: number) => sleep(ms));
  // Kept-alive upstream connections, as an SDK keeps its connections to Azure: the added delay is
  // then the only cost of a request beyond what the service itself takes.
  const agent = new Agent({ keepAlive: true });
  let requests = 0;

  const server = createServer((req, res) => {
    let gone = false;
    req.once("close", () => {
      if (!req.complete) gone = true;
    });
    res.once("close", () => {
      if (!res.writableFinished) gone = true;
    });
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    // The body is not read while held: TCP back-pressure keeps it with the client, as a request
    // still on the wire would be.
    hold(options.latencyMs, { method, url }).then(
      () => {
        if (gone) return;
        requests++;
        const upstream = httpRequest(
          {
            agent,
            host: target.hostname,
            port: target.port,
            method,
            path: url,
            headers: { ...endToEnd(req.headers), host: target.host },
          },
          (upRes: IncomingMessage) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEnd(upRes.headers));
            upRes.pipe(res);
            upRes.once("error", () => res.destroy());
          },
        );
        upstream.once("error", (err) => {
          if (res.headersSent) res.destroy(err);
          else res.writeHead(502, { "content-type": "text/plain" }).end(`latency proxy: ${err.message}\n`);
        });
        res.once("close", () => {
          if (!res.writableFinished) upstream.destroy();
        });
        req.pipe(upstream);
      },
      (err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  });

  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
