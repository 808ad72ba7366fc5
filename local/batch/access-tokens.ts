/**
 * Access tokens the local cloud issues and later accepts: JWTs signed (HS256, by jose) with a
 * secret that exists only in this process's memory, so no token made elsewhere, or by an earlier
 * run, gets in. Checked as Batch checks an Entra ID token: signature, issuer, expiry, not-before
 * and one audience that must match Batch's exactly, trailing slash included.
 */
import { randomBytes } from "node:crypto";
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";

/** The only audience the Batch data plane accepts. */
export const BATCH_AUDIENCE = "https://batch.core.windows.net/";

/** Names the local cloud as the signer; the per-process secret is what makes a token this run's. */
export const LOCAL_ISSUER = "https://local.batch-ocr.invalid/identity/";

/** Entra ID's managed-identity tokens live about a day; an hour keeps a leaked local one short-lived. */
const LIFETIME_SECONDS = 3600;

/**
 * No leeway for clock skew: the one process that issues a token is the one that checks it, on the
 * same clock, so any tolerance would only let an expired token in (and make the expiry untestable).
 */
const CLOCK_TOLERANCE_SECONDS = 0;

const ALGORITHM = "HS256";

export interface TokenClaims {
  aud: string;
  iss: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
}

export interface IssuedToken {
  token: string;
  expiresOn: number;
}

/** Why a token was refused, in the words Batch puts in `AuthenticationErrorDetail`. */
export class TokenRefused extends Error {
  override name = "TokenRefused";
}

const utc = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();

const NOT_OURS = "The access token is not a JWT signed by this service's identity endpoint.";

/** jose's verdict in Batch's words; anything jose did not refuse (a bug, not a token) passes through. */
function refusal(err: unknown, now: number): unknown {
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRefused("The access token signature is invalid.");
  if (err instanceof errors.JWTExpired)
    return new TokenRefused(
      `The access token expiry UTC time '${utc(err.payload.exp)}' is earlier than current UTC time '${utc(now)}'.`,
    );
  if (err instanceof errors.JWTClaimValidationFailed && err.reason === "check_failed") {
    const claims: JWTPayload = err.payload;
    if (err.claim === "iss") return new TokenRefused(`The access token is from the wrong issuer '${claims.iss}'.`);
    if (err.claim === "nbf")
      return new TokenRefused(`The access token is not valid before UTC time '${utc(claims.nbf)}'.`);
    if (err.claim === "aud") return wrongAudience(claims.aud);
  }
  // Malformed, another algorithm or typ, a claim missing: nothing this service's endpoint issues.
  if (err instanceof errors.JOSEError) return new TokenRefused(NOT_OURS);
  return err;
}

const wrongAudience = (aud: unknown) =>
  new TokenRefused(
    `The access token has been obtained from wrong audience or resource '${String(aud)}'. It should exactly match (including forward slash) with one of the allowed audiences '${BATCH_AUDIENCE}'`,
  );

export class AccessTokens {
  constructor(
    private readonly issuer = LOCAL_ISSUER,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
    /** Random per process unless a test signs its own tokens with it. */
    private readonly secret: Uint8Array = randomBytes(32),
  ) {}

  async issue(audience: string, subject: string): Promise<IssuedToken> {
    const iat = this.nowSeconds();
    const claims: TokenClaims = {
      aud: audience,
      iss: this.issuer,
      sub: subject,
      iat,
      nbf: iat,
      exp: iat + LIFETIME_SECONDS,
    };
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: ALGORITHM, typ: "JWT" }).sign(this.secret);
    return { token, expiresOn: claims.exp };
  }

  /** The token's claims if Batch would take it; rejects with TokenRefused saying why not. */
  async verify(token: string): Promise<TokenClaims> {
    const now = this.nowSeconds();
    let claims: TokenClaims;
    try {
      const { payload } = await jwtVerify<TokenClaims>(token, this.secret, {
        algorithms: [ALGORITHM],
        typ: "JWT",
        issuer: this.issuer,
        audience: BATCH_AUDIENCE,
        requiredClaims: ["sub", "iat", "nbf", "exp"],
        currentDate: new Date(now * 1000),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      claims = payload;
    } catch (err) {
      throw refusal(err, now);
    }
    // jose takes a list that contains the audience; an Entra ID access token names exactly one.
    if (typeof claims.aud !== "string") throw wrongAudience(claims.aud);
    return claims;
  }
}
