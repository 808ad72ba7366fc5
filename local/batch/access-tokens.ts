/**
 * Access tokens the local cloud issues and later accepts: JWTs signed (HS256) with a secret that
 * exists only in this process's memory, so no token made elsewhere, or by an earlier run, gets in.
 * Checked as Batch checks an Entra ID token: signature, issuer, expiry and an audience that must
 * match Batch's exactly, trailing slash included.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The only audience the Batch data plane accepts. */
export const BATCH_AUDIENCE = "https://batch.core.windows.net/";

/** Names the local cloud as the signer; the per-process secret is what makes a token this run's. */
export const LOCAL_ISSUER = "https://local.batch-ocr.invalid/identity/";

/** Entra ID's managed-identity tokens live about a day; an hour keeps a leaked local one short-lived. */
const LIFETIME_SECONDS = 3600;

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

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

const utc = (seconds: number) => new Date(seconds * 1000).toISOString();

export class AccessTokens {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly issuer = LOCAL_ISSUER,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  issue(audience: string, subject: string): IssuedToken {
    const iat = this.nowSeconds();
    const claims: TokenClaims = {
      aud: audience,
      iss: this.issuer,
      sub: subject,
      iat,
      nbf: iat,
      exp: iat + LIFETIME_SECONDS,
    };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    return { token: `${body}.${this.sign(body).toString("base64url")}`, expiresOn: claims.exp };
  }

  /** The token's claims if Batch would take it; throws TokenRefused saying why not. */
  verify(token: string): TokenClaims {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER)
      throw new TokenRefused("The access token is not a JWT signed by this service's identity endpoint.");
    const [header, payload, signature] = parts as [string, string, string];
    const expected = this.sign(`${header}.${payload}`);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new TokenRefused("The access token signature is invalid.");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
    if (claims.iss !== this.issuer)
      throw new TokenRefused(`The access token is from the wrong issuer '${claims.iss}'.`);
    const now = this.nowSeconds();
    if (!(claims.exp > now))
      throw new TokenRefused(
        `The access token expiry UTC time '${utc(claims.exp)}' is earlier than current UTC time '${utc(now)}'.`,
      );
    if (!(claims.nbf <= now))
      throw new TokenRefused(`The access token is not valid before UTC time '${utc(claims.nbf)}'.`);
    if (claims.aud !== BATCH_AUDIENCE) {
      throw new TokenRefused(
        `The access token has been obtained from wrong audience or resource '${claims.aud}'. It should exactly match (including forward slash) with one of the allowed audiences '${BATCH_AUDIENCE}'`,
      );
    }
    return claims;
  }

  private sign(text: string): Buffer {
    return createHmac("sha256", this.secret).update(text, "utf8").digest();
  }
}
