/**
 * The package upload provider as `pulumi up` runs it: serialized by Pulumi's closure serializer,
 * loaded from that text by a fresh `node` in a directory outside the project, and its `create`
 * run there against Azurite (the version's blob) and a local stand-in for ARM and the managed
 * identity token endpoint. Nothing from jest or ts-jest reaches that process.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { startAzurite, type Azurite } from "../../local/azurite";
import type { PackageUploadInputs } from "../../infra/package-upload-provider";
import type { PropagationWait } from "../../infra/role-propagation";
import { buildWorkerPackage, type WorkerPackage } from "../../worker/package";
import {
  callInFreshHost,
  createHostDirectory,
  serializeProviderAsPulumiDoes,
  type HostDirectory,
} from "./dynamic-provider-host";
import { startLocalArm, type LocalArm } from "./local-arm";

const PROVIDER_MODULE = "./infra/package-upload-provider.ts";
const PACKAGE_ID =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct/applications/ocrworker/versions/";
const SHORT_WAIT: PropagationWait = { timeoutMs: 1_500, firstDelayMs: 50, maxDelayMs: 400 };

let azurite: Azurite;
let arm: LocalArm;
let host: HostDirectory;
let workDir: string;
let pkg: WorkerPackage;
let container: ReturnType<BlobServiceClient["getContainerClient"]>;
/** The production provider (10-minute role wait), as the state stores it. */
let productionProvider: string;
let shortWait: Promise<string> | undefined;

/** The same code with a short role wait, so refusals are waited out in a test's time; serialized on first use. */
function shortWaitProvider(): Promise<string> {
  shortWait ??= serializeProviderAsPulumiDoes({
    modulePath: PROVIDER_MODULE,
    exportName: "createPackageUploadProvider",
    factoryArgs: [SHORT_WAIT],
  });
  return shortWait;
}

/** A SAS URL for the blob, as Batch's `storageUrl` is; `permissions` "r" stands for a signer whose role has not propagated. */
function sasUrl(blobName: string, permissions = "cw"): string {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container.containerName,
      blobName,
      permissions: BlobSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    credential,
  );
  return `${container.getBlockBlobClient(blobName).url}?${sas.toString()}`;
}

/** The blob each version uploads to: its last path segment. */
function blobOf(packageResourceId: string): string {
  return `${packageResourceId.split("/").pop()}.zip`;
}

function inputs(overrides: Partial<PackageUploadInputs> = {}): PackageUploadInputs {
  return {
    packageResourceId: `${PACKAGE_ID}${pkg.version}`,
    zipPath: pkg.zipPath,
    sha256: pkg.sha256,
    armEndpoint: arm.endpoint,
    ...overrides,
  };
}

function createInHost(providerText: string, createInputs: PackageUploadInputs) {
  return callInFreshHost(host, providerText, "create", [createInputs], arm.credentialEnv);
}

beforeAll(async () => {
  [azurite, productionProvider] = await Promise.all([
    startAzurite({ inMemory: true }),
    serializeProviderAsPulumiDoes({ modulePath: PROVIDER_MODULE, exportName: "packageUploadProvider" }),
  ]);
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("app-ocrworker");
  await container.create();
  arm = await startLocalArm({ storageUrlFor: (id) => sasUrl(blobOf(id)) });
  host = await createHostDirectory();
  workDir = await mkdtemp(path.join(tmpdir(), "pkg-host-"));
  pkg = await buildWorkerPackage({ outDir: workDir });
});

afterAll(async () => {
  await azurite?.stop();
  await arm?.close();
  await host?.remove();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  arm.calls.length = 0;
  arm.behaviour = { storageUrlFor: (id) => sasUrl(blobOf(id)) };
});

describe("package upload provider in Pulumi's dynamic-provider host", () => {
  test("the serialized provider requires nothing but node_modules packages and Node built-ins", () => {
    const required = [...productionProvider.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => name?.startsWith("."))).toEqual([]);
  });

  test("create fetches a fresh storageUrl, uploads the exact zip to it, then activates", async () => {
    const result = await createInHost(productionProvider, inputs());
    expect(result).toEqual({
      value: {
        id: `${PACKAGE_ID}${pkg.version}`,
        outs: {
          packageResourceId: `${PACKAGE_ID}${pkg.version}`,
          sha256: pkg.sha256,
          armEndpoint: arm.endpoint,
          format: "zip",
        },
      },
    });
    const uploaded = await container.getBlockBlobClient(`${pkg.version}.zip`).downloadToBuffer();
    expect(createHash("sha256").update(uploaded).digest("hex")).toBe(pkg.sha256);
    expect(arm.calls.map((c) => [c.method, c.url, c.authorization])).toEqual([
      ["GET", `${PACKAGE_ID}${pkg.version}?api-version=2024-07-01`, `Bearer ${arm.token}`],
      ["POST", `${PACKAGE_ID}${pkg.version}/activate?api-version=2024-07-01`, `Bearer ${arm.token}`],
    ]);
    expect(arm.calls[1]?.body).toBe(JSON.stringify({ format: "zip" }));
  });

  test("a 403 while the signer's role propagates is retried, each time with a fresh storageUrl", async () => {
    const id = `${PACKAGE_ID}propagating`;
    arm.behaviour = { storageUrlFor: (resourceId, getCount) => sasUrl(blobOf(resourceId), getCount <= 2 ? "r" : "cw") };
    const result = await createInHost(await shortWaitProvider(), inputs({ packageResourceId: id }));
    expect(result.error).toBeUndefined();
    expect(arm.calls.map((c) => c.method)).toEqual(["GET", "GET", "GET", "POST"]);
    expect(await container.getBlockBlobClient("propagating.zip").exists()).toBe(true);
  });

  test("a 403 that outlasts the wait fails, saying role assignments can take up to 10 minutes; nothing is activated", async () => {
    arm.behaviour = { storageUrlFor: (resourceId) => sasUrl(blobOf(resourceId), "r") };
    const started = Date.now();
    const result = await createInHost(
      await shortWaitProvider(),
      inputs({ packageResourceId: `${PACKAGE_ID}neverallowed` }),
    );
    expect(result.error?.message).toMatch(
      /refused with HTTP 403 \(AuthorizationPermissionMismatch\).*role assignments can take up to 10 minutes/,
    );
    expect(Date.now() - started).toBeLessThan(SHORT_WAIT.timeoutMs + 10_000);
    expect(arm.calls.length).toBeGreaterThan(1);
    expect(arm.calls.every((c) => c.method === "GET")).toBe(true);
  });

  test("an ARM error on activation surfaces with its code and message", async () => {
    arm.behaviour = { ...arm.behaviour, activateStatus: 404 };
    const result = await createInHost(productionProvider, inputs({ packageResourceId: `${PACKAGE_ID}missing` }));
    expect(result.error?.message).toMatch(
      /POST \/subscriptions\/.+\/activate failed with HTTP 404: ApplicationPackageNotFound: The specified application package does not exist/,
    );
  });

  test("a zip that changed after it was hashed is refused before anything is asked of ARM or uploaded", async () => {
    const tampered = path.join(workDir, "tampered.zip");
    await writeFile(tampered, "not the package");
    const result = await createInHost(
      productionProvider,
      inputs({ zipPath: tampered, packageResourceId: `${PACKAGE_ID}tampered` }),
    );
    expect(result.error?.message).toMatch(/changed since it was built/);
    expect(await container.getBlockBlobClient("tampered.zip").exists()).toBe(false);
    expect(arm.calls).toEqual([]);
  });
});
