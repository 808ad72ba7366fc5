/**
 * Batch's Shared Key scheme, verified the way the service checks it, so that a client that signs
 * wrongly fails here as it would on Azure, and a signed request cannot be replayed once its date
 * is more than 15 minutes from now.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { batchError, type BatchError } from "./errors";

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

export function header(headers: IncomingHttpHeaders, name: string): string {
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

/** Batch's allowance for clock skew between client and service, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

export const sharedKeyRefused = (reason: string): BatchError =>
  batchError("AuthenticationFailed", { AuthenticationErrorDetail: reason });

/** The date the signature covers (`ocp-date` wins over `Date`, as Batch reads them) must be now, give or take the skew. */
function checkRequestDate(headers: IncomingHttpHeaders, nowMs: number): void {
  const sent = header(headers, "ocp-date") || header(headers, "date");
  if (sent === "") throw sharedKeyRefused("Neither ocp-date nor Date was sent; the signature must cover one of them.");
  const at = Date.parse(sent);
  if (Number.isNaN(at)) throw sharedKeyRefused(`The request date '${sent}' is not a valid HTTP date (RFC 1123).`);
  if (at < nowMs - MAX_CLOCK_SKEW_MS) throw sharedKeyRefused(`Request date header too old: '${sent}'.`);
  if (at > nowMs + MAX_CLOCK_SKEW_MS) throw sharedKeyRefused(`Request date header too far in the future: '${sent}'.`);
}

/** Verifies `SharedKey ACCOUNT:SIGNATURE`; throws 403 AuthenticationFailed saying what is wrong. */
export function verifySharedKey(
  authorization: string,
  req: SignedRequest,
  account: string,
  keyBase64: string,
  nowMs = Date.now(),
): void {
  const m = /^SharedKey\s+([^:\s]+):(\S+)$/.exec(authorization);
  if (!m) throw sharedKeyRefused("The Authorization header is neither SharedKey ACCOUNT:SIGNATURE nor Bearer TOKEN.");
  const [, claimedAccount, signature] = m as unknown as [string, string, string];
  if (claimedAccount !== account)
    throw sharedKeyRefused(`The account ${claimedAccount} is not this service's account ${account}.`);
  checkRequestDate(req.headers, nowMs);
  const key = Buffer.from(keyBase64, "base64");
  const given = Buffer.from(signature, "base64");
  const ok = contentLengthCandidates(req.headers).some((cl) => {
    const expected = sign(key, stringToSign(account, req, cl));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok)
    throw sharedKeyRefused("The MAC signature found in the HTTP request is not the same as any computed signature.");
}
