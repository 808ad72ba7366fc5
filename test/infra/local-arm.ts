/**
 * A local HTTP endpoint standing in for the two Azure services the package upload talks to:
 * Azure Resource Manager (get an application package version, activate it) and a managed
 * identity token endpoint in App Service's shape (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`), so
 * `DefaultAzureCredential` gets a token with nothing more than environment variables.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ArmCall {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface LocalArmBehaviour {
  /** The `storageUrl` a GET of the package version returns; `getCount` counts from 1. */
  storageUrlFor(packageResourceId: string, getCount: number): string;
  /** HTTP status of the activate call; 200 unless set. */
  activateStatus?: number;
}

export interface LocalArm {
  endpoint: string;
  /** ARM calls (not token requests), in order. */
  calls: ArmCall[];
  /** The token every request is expected to carry. */
  token: string;
  /** Environment that points `DefaultAzureCredential` at this endpoint's token service. */
  credentialEnv: Record<string, string>;
  behaviour: LocalArmBehaviour;
  close(): Promise<void>;
}

const IDENTITY_HEADER = "local-identity-header";
const TOKEN = "local-arm-token";
const TOKEN_PATH = "/msi/token";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => resolve(body));
  });
}

function armError(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

export async function startLocalArm(behaviour: LocalArmBehaviour): Promise<LocalArm> {
  const calls: ArmCall[] = [];
  const getCounts = new Map<string, number>();
  // Declared before the server so its handler reads the behaviour a test set last.
  const arm = { behaviour };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(String(req.url), "http://local");
    const body = await readBody(req);
    const json = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(text);
    };
    if (url.pathname === TOKEN_PATH) {
      if (req.headers["x-identity-header"] !== IDENTITY_HEADER)
        return json(401, armError("Unauthorized", "identity header missing"));
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      return json(
        200,
        JSON.stringify({
          access_token: TOKEN,
          expires_on: String(expiresOn),
          resource: url.searchParams.get("resource"),
          token_type: "Bearer",
        }),
      );
    }
    calls.push({ method: String(req.method), url: String(req.url), authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return json(401, armError("AuthenticationFailed", "no valid bearer token"));
    if (req.method === "GET") {
      const count = (getCounts.get(url.pathname) ?? 0) + 1;
      getCounts.set(url.pathname, count);
      const storageUrl = arm.behaviour.storageUrlFor(url.pathname, count);
      return json(
        200,
        JSON.stringify({
          id: url.pathname,
          properties: { state: "Pending", storageUrl, storageUrlExpiry: new Date(Date.now() + 3600_000).toISOString() },
        }),
      );
    }
    if (req.method === "POST" && url.pathname.endsWith("/activate")) {
      const status = arm.behaviour.activateStatus ?? 200;
      return json(
        status,
        status === 200
          ? "{}"
          : armError("ApplicationPackageNotFound", "The specified application package does not exist."),
      );
    }
    return json(404, armError("NotFound", `${req.method} ${url.pathname}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(arm, {
    calls,
    token: TOKEN,
    endpoint,
    credentialEnv: {
      AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential",
      IDENTITY_ENDPOINT: `${endpoint}${TOKEN_PATH}`,
      IDENTITY_HEADER,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
