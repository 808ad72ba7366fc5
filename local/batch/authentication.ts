/**
 * Who may call the local Batch service, decided as Batch decides it: Shared Key with a fresh
 * date, or a Microsoft Entra ID Bearer token that is valid, which here means one that this
 * service's own identity endpoint issued for Batch's audience. Nothing else gets in: the service
 * runs commands as this machine's user.
 */
import type { AccessTokens } from "./access-tokens";
import { TokenRefused } from "./access-tokens";
import { batchError, type BatchError } from "./errors";
import { header, sharedKeyRefused, verifySharedKey, type SignedRequest } from "./shared-key";

export type Caller = { scheme: "SharedKey"; account: string } | { scheme: "Bearer"; subject: string };

export interface Verifiers {
  account: string;
  accountKey: string;
  tokens: AccessTokens;
}

/** Batch answers a refused token with 401 and a shorter message than a refused signature. */
const tokenRefused = (reason: string): BatchError =>
  batchError("TokenAuthenticationFailed", { AuthenticationErrorDetail: reason });

export async function authenticate(req: SignedRequest, verifiers: Verifiers): Promise<Caller> {
  const auth = header(req.headers, "authorization");
  if (auth === "") throw sharedKeyRefused("The Authorization header is missing.");
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) {
    try {
      return { scheme: "Bearer", subject: (await verifiers.tokens.verify(bearer[1]!)).sub };
    } catch (err) {
      if (err instanceof TokenRefused) throw tokenRefused(err.message);
      throw err;
    }
  }
  verifySharedKey(auth, req, verifiers.account, verifiers.accountKey);
  return { scheme: "SharedKey", account: verifiers.account };
}
