/**
 * A TCP forwarder in front of a local service, so a test can make that service unreachable for
 * real (connections refused) and bring it back on the same port, while the service itself, and
 * everything else that talks to it directly, goes on.
 */
import { createServer, connect, type AddressInfo, type Socket } from "node:net";

export interface TcpProxy {
  /** The service's URL with the proxy's port. */
  url(serviceUrl: string): string;
  /** Refuses connections from now on and drops the open ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const cut = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of open) socket.destroy();
    });
  return {
    url(serviceUrl) {
      const u = new URL(serviceUrl);
      u.port = String(port);
      return u.toString();
    },
    cut,
    restore: () => listen(port),
    close: () => (server.listening ? cut() : Promise.resolve()),
  };
}
