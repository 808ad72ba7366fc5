/**
 * Batch's Shared Key scheme, verified the way the service checks it, so that a client that signs
 * wrongly fails here as it would on Azure. `Authorization: Bearer` (Microsoft Entra ID) tokens are
 * accepted without verification: this machine has no tenant to check them against.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { BatchError } from "./errors";

const SIGNED_HEADERS = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

export interface SignedRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded: that is what clients sign. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : (v ?? "");
}

export function stringToSign(account: string, req: SignedRequest, contentLength: string): string {
  const standard = SIGNED_HEADERS.map((h) => (h === "content-length" ? contentLength : header(req.headers, h)));
  const ocp = Object.keys(req.headers)
    .filter((h) => h.startsWith("ocp-"))
    .sort()
    .map((h) => `${h}:${header(req.headers, h)}\n`)
    .join("");
  const names = [...new Set(req.query.keys())].filter((n) => req.query.get(n) !== "").sort();
  const query = names.map((n) => `\n${n}:${req.query.get(n)}`).join("");
  return `${req.method.toUpperCase()}\n${standard.join("\n")}\n${ocp}/${account}${req.rawPath}${query}`;
}

function sign(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

/**
 * Clients disagree on how an empty body's length is signed: the Python SDK (and so the Azure CLI)
 * signs the `Content-Length: 0` it sends, the Node SDK signs an empty string on DELETE. Both
 * are honest signatures of one request, so both spellings of "no body" are accepted.
 */
function contentLengthCandidates(headers: IncomingHttpHeaders): string[] {
  const sent = header(headers, "content-length");
  if (sent === "" || sent === "0") return [sent, sent === "" ? "0" : ""];
  return [sent];
}

const authFailed = (reason: string): BatchError =>
  new BatchError(
    403,
    "AuthenticationFailed",
    "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
    [{ key: "AuthenticationErrorDetail", value: reason }],
  );

export type Caller = { scheme: "SharedKey"; account: string } | { scheme: "Bearer" };

export function authenticate(req: SignedRequest, account: string, keyBase64: string): Caller {
  const auth = header(req.headers, "authorization");
  if (auth === "") throw authFailed("The Authorization header is missing.");
  if (/^Bearer\s+\S+/i.test(auth)) return { scheme: "Bearer" };
  const m = /^SharedKey\s+([^:\s]+):(\S+)$/.exec(auth);
  if (!m) throw authFailed("The Authorization header is neither SharedKey ACCOUNT:SIGNATURE nor Bearer TOKEN.");
  const [, claimedAccount, signature] = m as unknown as [string, string, string];
  if (claimedAccount !== account) throw authFailed(`The account ${claimedAccount} is not this service's account ${account}.`);
  if (header(req.headers, "ocp-date") === "" && header(req.headers, "date") === "") {
    throw authFailed("Neither ocp-date nor Date was sent; the signature must cover one of them.");
  }
  const key = Buffer.from(keyBase64, "base64");
  const given = Buffer.from(signature, "base64");
  const ok = contentLengthCandidates(req.headers).some((cl) => {
    const expected = sign(key, stringToSign(account, req, cl));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) throw authFailed("The MAC signature found in the HTTP request is not the same as any computed signature.");
  return { scheme: "SharedKey", account };
}
