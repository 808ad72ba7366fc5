/**
 * Who gets in (issue 13, findings 1 and 3): a Bearer token only if the local cloud issued it for
 * Batch's audience, through the managed-identity endpoint that @azure/identity talks to; a Shared
 * Key request only if its date is within Batch's 15 minutes of now. Every refusal is checked over
 * HTTP against the real service, and a refused pool must not exist afterwards, start task unrun.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { ManagedIdentityCredential } from "@azure/identity";
import { TokenCredentials } from "@azure/ms-rest-js";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { AccessTokens, BATCH_AUDIENCE, LOCAL_ISSUER } from "../../../local/batch/access-tokens";
import { startIdentityEndpoint } from "../../../local/batch/identity-endpoint";
import type { StackOutputs } from "../../../contracts/stack-outputs";
import { EntraBatchCredentials, connect } from "../../../tasks/credentials";
import { IMAGE, VM_SIZE, bash, detail, errorOf, useService } from "./fixture";

const service = useService("authentication");
const API = "api-version=2025-06-01";
let marks: string;

beforeAll(() => {
  marks = mkdtempSync(join(tmpdir(), "authentication-marks-"));
});
afterAll(() => {
  rmSync(marks, { recursive: true, force: true });
  // Left set, they would send any later DefaultAzureCredential in this process to a stopped endpoint.
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
});

/** A pool whose start task leaves a file behind: proof that a refused request ran nothing. */
const markingPool = (id: string) => ({
  id,
  vmSize: VM_SIZE,
  virtualMachineConfiguration: IMAGE,
  targetDedicatedNodes: 1,
  startTask: { commandLine: bash(`touch ${join(marks, id)}`), waitForSuccess: true },
});

async function poolExists(id: string): Promise<boolean> {
  return (await service().client.pool.exists(id)).body;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A well-formed JWT for Batch's audience, signed with a key the service never saw. */
function forgedToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify({ aud: "https://batch.core.windows.net/", iat: now, nbf: now, exp: now + 3600 }))}`;
  return `${head}.${createHmac("sha256", "guessed").update(head).digest("base64url")}`;
}

/** The oldest JWT forgery: a token that says it needs no signature, with every claim Batch wants. */
function unsignedToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: "https://batch.core.windows.net/",
    iss: LOCAL_ISSUER,
    sub: "x",
    iat: now,
    nbf: now,
    exp: now + 3600,
  };
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.`;
}

/** @azure/identity's managed identity credential pointed at the local cloud, as App Service points it at its own endpoint. */
function localManagedIdentity(): ManagedIdentityCredential {
  const { cloud } = service();
  process.env.IDENTITY_ENDPOINT = cloud.managedIdentity.endpoint;
  process.env.IDENTITY_HEADER = cloud.managedIdentity.header;
  return new ManagedIdentityCredential();
}

describe("Bearer tokens", () => {
  it.each([
    ["garbage", "not-a-real-entra-token"],
    ["a JWT signed with another key", forgedToken()],
    ["an unsigned JWT (alg none) with the local issuer", unsignedToken()],
  ])("refuses %s with 401 AuthenticationFailed and creates no pool", async (_what, token) => {
    const { cloud } = service();
    const res = await fetch(`${cloud.batchEndpoint}/pools?${API}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json; odata=minimalmetadata" },
      body: JSON.stringify(markingPool(`bearer-${token.length}`)),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as {
      code: string;
      message: { value: string };
      values: { key: string; value: string }[];
    };
    expect(body.code).toBe("AuthenticationFailed");
    expect(body.message.value).toMatch(
      /^Server failed to authenticate the request\. Make sure the value of Authorization header is formed correctly\./,
    );
    expect(body.values.map((v) => v.key)).toContain("AuthenticationErrorDetail");
    expect(await poolExists(`bearer-${token.length}`)).toBe(false);
    expect(existsSync(join(marks, `bearer-${token.length}`))).toBe(false);
  });

  it("refuses garbage through the typed client too", async () => {
    const { cloud } = service();
    const withToken = new BatchServiceClient(new TokenCredentials("not-a-real-entra-token"), cloud.batchEndpoint);
    expect(
      await errorOf(() => withToken.job.add({ id: "bearer-job", poolInfo: { poolId: "any-pool" } })),
    ).toMatchObject({ status: 401, code: "AuthenticationFailed" });
  });

  it("lets the dispatcher in on its default Entra ID path (DefaultAzureCredential finds the local managed identity)", async () => {
    const { cloud } = service();
    localManagedIdentity();
    const outputs = {
      batchAccountName: cloud.batchAccountName,
      batchAccountEndpoint: cloud.batchEndpoint,
      batchAuthModes: ["AAD"],
      storageAccountName: cloud.storageAccountName,
      blobEndpoint: cloud.blobEndpoint,
      storageSharedKeyAccess: false,
    } as StackOutputs;
    const access = connect(outputs);
    expect(access.batch).toBe("entra");
    await access.batchClient.job.add({ id: "entra-job", poolInfo: { poolId: "any-pool" } });
    expect((await access.batchClient.job.get("entra-job")).id).toBe("entra-job");
  });

  it("refuses a local token for the audience without Batch's trailing slash, as Batch does", async () => {
    const { cloud } = service();
    const client = new BatchServiceClient(
      new EntraBatchCredentials(localManagedIdentity(), "https://batch.core.windows.net/.default"),
      cloud.batchEndpoint,
    );
    const error = await errorOf(() => client.pool.list());
    expect(error).toMatchObject({ status: 401, code: "AuthenticationFailed" });
    expect(detail(error, "AuthenticationErrorDetail")).toMatch(
      /wrong audience or resource 'https:\/\/batch\.core\.windows\.net'/,
    );
  });

  it("issues no token without the endpoint's secret header", async () => {
    const { cloud } = service();
    const res = await fetch(
      `${cloud.managedIdentity.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent("https://batch.core.windows.net/")}`,
      {
        headers: { "x-identity-header": "guessed" },
      },
    );
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).not.toMatch(/access_token/);
  });
});

describe("token lifetime", () => {
  // An hour of waiting is not a test: the clock is the verifier's, moved past the expiry.
  it("refuses a token of its own issuer once it has expired, and one not yet valid", async () => {
    let now = 1_000_000;
    const tokens = new AccessTokens(undefined, () => now);
    const { token, expiresOn } = await tokens.issue("https://batch.core.windows.net/", "someone");
    expect((await tokens.verify(token)).aud).toBe("https://batch.core.windows.net/");
    now = expiresOn;
    await expect(tokens.verify(token)).rejects.toThrow(/expiry UTC time .* is earlier than current UTC time/);
    now = 0;
    await expect(tokens.verify(token)).rejects.toThrow(/not valid before/);
  });

  it("refuses a token of its own key whose audience is a list, even one that names Batch", async () => {
    const secret = new Uint8Array(32).fill(7);
    const now = Math.floor(Date.now() / 1000);
    const listed = await new SignJWT({ aud: ["https://example.invalid/", BATCH_AUDIENCE], iss: LOCAL_ISSUER, sub: "x" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .sign(secret);
    await expect(new AccessTokens(undefined, undefined, secret).verify(listed)).rejects.toThrow(
      /wrong audience or resource 'https:\/\/example\.invalid\/,https:\/\/batch\.core\.windows\.net\/'/,
    );
  });

  it("refuses a token another run issued (same issuer, other secret)", async () => {
    const { token } = await new AccessTokens().issue("https://batch.core.windows.net/", "someone");
    await expect(new AccessTokens().verify(token)).rejects.toThrow(/signature is invalid/);
  });
});

describe("identity endpoint", () => {
  it("answers 500 server_error when it cannot sign, rather than leaving the credential waiting", async () => {
    class BrokenSigner extends AccessTokens {
      override issue(): Promise<never> {
        return Promise.reject(new Error("no key to sign with"));
      }
    }
    const identity = await startIdentityEndpoint(new BrokenSigner());
    try {
      const res = await fetch(
        `${identity.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(BATCH_AUDIENCE)}`,
        { headers: { "x-identity-header": identity.header }, signal: AbortSignal.timeout(5000) },
      );
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: "server_error", error_description: "no key to sign with" });
    } finally {
      await identity.stop();
    }
  });
});

describe("Shared Key request dates", () => {
  const signedWithDate = async (ocpDate: string) => {
    const { cloud } = service();
    const client = new BatchServiceClient(
      new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
      cloud.batchEndpoint,
    );
    // The credentials sign whatever ocp-date is already set, so the date is the test's.
    const res = await client.sendRequest({
      method: "GET",
      url: `${cloud.batchEndpoint}/pools?${API}`,
      headers: { "ocp-date": ocpDate },
    });
    return { status: res.status, body: res.parsedBody as { code?: string; values?: { key: string; value: string }[] } };
  };
  const minutes = (n: number) => new Date(Date.now() + n * 60_000).toUTCString();

  it.each([
    ["3 days old", minutes(-3 * 24 * 60)],
    ["a year ahead", minutes(365 * 24 * 60)],
    ["16 minutes old", minutes(-16)],
    ["not a date", "yesterday-ish"],
  ])("refuses a correctly signed request whose ocp-date is %s with 403 AuthenticationFailed", async (_what, date) => {
    const reply = await signedWithDate(date);
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe("AuthenticationFailed");
    expect(reply.body.values?.find((v) => v.key === "AuthenticationErrorDetail")?.value).toMatch(/date/i);
  });

  it.each([
    ["14 minutes old", minutes(-14)],
    ["14 minutes ahead", minutes(14)],
  ])("accepts one whose ocp-date is %s (clock skew)", async (_what, date) => {
    expect((await signedWithDate(date)).status).toBe(200);
  });
});
