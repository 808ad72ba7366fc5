/**
 * The application package's upload + activation provider, driven through its own methods:
 * the zip really goes to Azurite through a SAS URL (as Batch's `storageUrl` is), and activation
 * goes to a local HTTP endpoint standing in for Azure Resource Manager.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import path from "node:path";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startAzurite, type Azurite } from "../../local/azurite";
import { activatePackage } from "../../infra/package-activation";
import { packageUploadProvider, type PackageUploadInputs } from "../../infra/package-upload-provider";
import { buildWorkerPackage, type WorkerPackage } from "../../tasks/worker/package";

const PACKAGE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct/applications/ocrworker/versions/";

interface ArmCall {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

let azurite: Azurite;
let arm: Server;
let armEndpoint: string;
let armCalls: ArmCall[];
let armStatus = 200;
let workDir: string;
let pkg: WorkerPackage;
let container: ReturnType<BlobServiceClient["getContainerClient"]>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => resolve(body));
  });
}

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("app-ocrworker");
  await container.create();
  arm = createServer(async (req, res) => {
    armCalls.push({ method: String(req.method), url: String(req.url), authorization: req.headers.authorization, body: await readBody(req) });
    res.writeHead(armStatus, { "content-type": "application/json" });
    res.end(armStatus === 200 ? "{}" : JSON.stringify({ error: { code: "ApplicationPackageNotFound", message: "The specified application package does not exist." } }));
  });
  await new Promise<void>((resolve) => arm.listen(0, "127.0.0.1", resolve));
  armEndpoint = `http://127.0.0.1:${(arm.address() as AddressInfo).port}`;
  workDir = await mkdtemp(path.join(tmpdir(), "pkg-"));
  pkg = await buildWorkerPackage({ outDir: workDir });
});

afterAll(async () => {
  await azurite.stop();
  await new Promise((resolve) => arm.close(resolve));
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  armCalls = [];
  armStatus = 200;
});

function sasUrl(blobName: string): string {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const sas = generateBlobSASQueryParameters(
    { containerName: container.containerName, blobName, permissions: BlobSASPermissions.parse("cw"), expiresOn: new Date(Date.now() + 3600_000) },
    credential,
  );
  return `${container.getBlockBlobClient(blobName).url}?${sas.toString()}`;
}

function inputs(overrides: Partial<PackageUploadInputs> = {}): PackageUploadInputs {
  return { packageResourceId: `${PACKAGE_ID}${pkg.version}`, storageUrl: sasUrl(`${pkg.version}.zip`), zipPath: pkg.zipPath, sha256: pkg.sha256, armEndpoint, ...overrides };
}

describe("application package upload + activation", () => {
  test("activation posts format zip to the version's activate action with a bearer token", async () => {
    await activatePackage(`${PACKAGE_ID}v1`, { armEndpoint, getToken: async (scope) => `token-for-${scope}` });
    expect(armCalls).toEqual([
      {
        method: "POST",
        url: `${PACKAGE_ID}v1/activate?api-version=2024-07-01`,
        authorization: `Bearer token-for-${armEndpoint}/.default`,
        body: JSON.stringify({ format: "zip" }),
      },
    ]);
  });

  test("an ARM error surfaces with its code and message", async () => {
    armStatus = 404;
    await expect(activatePackage(`${PACKAGE_ID}v1`, { armEndpoint, getToken: async () => "t" })).rejects.toThrow(
      /HTTP 404: ApplicationPackageNotFound: The specified application package does not exist/,
    );
  });

  test("create uploads the exact zip through the SAS URL, then activates", async () => {
    const tokenCalls: string[] = [];
    // The module object itself (not an import copy), so the provider's own lookup sees the stub.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const activation = require("../../infra/package-activation") as typeof import("../../infra/package-activation");
    jest.spyOn(activation, "defaultTokenSource").mockImplementation(async (scope) => {
      tokenCalls.push(scope);
      return "test-token";
    });
    const result = await packageUploadProvider.create(inputs());
    expect(result.id).toBe(`${PACKAGE_ID}${pkg.version}`);
    expect(result.outs).toEqual({ packageResourceId: `${PACKAGE_ID}${pkg.version}`, sha256: pkg.sha256, armEndpoint, format: "zip" });
    // The secret SAS URL is not kept in the state.
    expect(JSON.stringify(result.outs)).not.toMatch(/sig=/);
    const uploaded = await container.getBlockBlobClient(`${pkg.version}.zip`).downloadToBuffer();
    expect(createHash("sha256").update(uploaded).digest("hex")).toBe(pkg.sha256);
    expect(armCalls.map((c) => [c.url, c.authorization])).toEqual([[`${PACKAGE_ID}${pkg.version}/activate?api-version=2024-07-01`, "Bearer test-token"]]);
    expect(tokenCalls).toEqual([`${armEndpoint}/.default`]);
  });

  test("a zip that changed after it was hashed is refused before anything is uploaded", async () => {
    const tampered = path.join(workDir, "tampered.zip");
    await writeFile(tampered, "not the package");
    await expect(packageUploadProvider.create(inputs({ zipPath: tampered, storageUrl: sasUrl("tampered.zip") }))).rejects.toThrow(/changed since it was built/);
    expect(await container.getBlockBlobClient("tampered.zip").exists()).toBe(false);
    expect(armCalls).toEqual([]);
  });

  test("diff: the same build changes nothing even though the SAS URL is new; a new build replaces", async () => {
    const diff = packageUploadProvider.diff as NonNullable<typeof packageUploadProvider.diff>;
    const news = inputs();
    const olds = { packageResourceId: news.packageResourceId, sha256: news.sha256, armEndpoint, format: "zip" as const };
    expect(await diff("id", olds, { ...news, storageUrl: `${news.storageUrl}&fresh=1` })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const next = { ...news, sha256: "b".repeat(64), packageResourceId: `${PACKAGE_ID}bbbbbbbbbbbb` };
    expect(await diff("id", olds, next)).toEqual({ changes: true, replaces: ["packageResourceId", "sha256"], deleteBeforeReplace: false });
  });

  test("changed worker code gives a new version; unchanged code the same one", async () => {
    const again = await buildWorkerPackage({ outDir: workDir });
    expect(again.version).toBe(pkg.version);
    const otherEntry = path.join(workDir, "other.ts");
    await writeFile(otherEntry, 'console.log("a different worker");\n');
    const changed = await buildWorkerPackage({ outDir: workDir, entry: otherEntry });
    expect(changed.version).not.toBe(pkg.version);
    expect(changed.version).toMatch(/^[0-9a-f]{12}$/);
  });

  test("check refuses inputs that are not a package version", async () => {
    const check = packageUploadProvider.check as NonNullable<typeof packageUploadProvider.check>;
    const result = await check(undefined as never, inputs({ packageResourceId: "/not/a/package", sha256: "xyz" }));
    expect(result.failures?.map((f) => f.property)).toEqual(["packageResourceId", "sha256"]);
  });

  test("update keeps the record; delete leaves the blob to the package version resource", async () => {
    const update = packageUploadProvider.update as NonNullable<typeof packageUploadProvider.update>;
    const olds = { packageResourceId: `${PACKAGE_ID}${pkg.version}`, sha256: pkg.sha256, armEndpoint, format: "zip" as const };
    expect((await update("id", olds, inputs())).outs).toMatchObject({ sha256: pkg.sha256, format: "zip" });
    const del = packageUploadProvider.delete as NonNullable<typeof packageUploadProvider.delete>;
    await del("id", { packageResourceId: `${PACKAGE_ID}${pkg.version}`, sha256: pkg.sha256, armEndpoint, format: "zip" });
    expect(armCalls).toEqual([]);
  });
});
