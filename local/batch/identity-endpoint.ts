/**
 * The local cloud's managed-identity endpoint, in App Service's shape (`IDENTITY_ENDPOINT` and
 * `IDENTITY_HEADER`), so that @azure/identity's ManagedIdentityCredential, and so
 * DefaultAzureCredential, get tokens the local Batch service accepts. That shape because it is
 * the one Entra ID flow @azure/identity runs over plain HTTP on loopback: the authority-based
 * flows (ClientSecretCredential and the like) refuse any authority that is not https.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AccessTokens } from "./access-tokens";

/** The App Service managed-identity API version that @azure/identity (through MSAL) sends. */
const API_VERSION = "2019-08-01";
const PATH = "/msi/token";
/** The one identity the local cloud has; tokens name it as their subject. */
export const LOCAL_IDENTITY_CLIENT_ID = "00000000-0000-0000-0000-000000000000";

export interface IdentityEndpoint {
  /** For `IDENTITY_ENDPOINT`. */
  endpoint: string;
  /** For `IDENTITY_HEADER`: random per start, the only thing that proves a caller may have a token. */
  header: string;
  /** What the Batch service verifies Bearer tokens with. */
  tokens: AccessTokens;
  stop(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function answer(req: IncomingMessage, res: ServerResponse, header: string, tokens: AccessTokens): Promise<void> {
  const url = new URL(req.url ?? "/", "http://local");
  if (req.method !== "GET" || url.pathname.replace(/\/+$/, "") !== PATH)
    return reply(res, 404, { error: "not_found", error_description: `only GET ${PATH} is served here` });
  if (!sameSecret(req.headers["x-identity-header"], header))
    return reply(res, 401, {
      error: "unauthorized_client",
      error_description: "X-IDENTITY-HEADER is missing or wrong",
    });
  if (url.searchParams.get("api-version") !== API_VERSION)
    return reply(res, 400, { error: "invalid_request", error_description: `api-version must be ${API_VERSION}` });
  const resource = url.searchParams.get("resource");
  if (!resource) return reply(res, 400, { error: "invalid_request", error_description: "resource is required" });
  // Issued for the resource exactly as asked, as Entra ID does: a wrong one is Batch's to refuse.
  const issued = await tokens.issue(resource, LOCAL_IDENTITY_CLIENT_ID);
  reply(res, 200, {
    access_token: issued.token,
    expires_on: String(issued.expiresOn),
    resource,
    token_type: "Bearer",
    client_id: LOCAL_IDENTITY_CLIENT_ID,
  });
}

/** Listens on loopback only: the header is a bearer secret, and so are the tokens it buys. */
export async function startIdentityEndpoint(tokens = new AccessTokens()): Promise<IdentityEndpoint> {
  const header = randomBytes(32).toString("base64url");
  const server: Server = createServer((req, res) => {
    // Signing is async now: a failure must still answer, or the credential waits out its timeout.
    void answer(req, res, header, tokens).catch((err: unknown) =>
      reply(res, 500, { error: "server_error", error_description: (err as Error).message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
  return {
    endpoint,
    header,
    tokens,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
