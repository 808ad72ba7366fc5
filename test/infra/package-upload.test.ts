/**
 * The application package's provider methods other than `create`, and the activate call, run
 * in-process against a local HTTP endpoint standing in for Azure Resource Manager. `create` runs
 * as Pulumi's host runs it, in package-upload-host.test.ts.
 */
import path from "node:path";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { activatePackage } from "../../infra/package-activation";
import { packageUploadProvider, type PackageUploadInputs } from "../../infra/package-upload-provider";
import { buildWorkerPackage, type WorkerPackage } from "../../worker/package";
import { startLocalArm, type LocalArm } from "./local-arm";

const PACKAGE_ID =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct/applications/ocrworker/versions/";

let arm: LocalArm;
let workDir: string;
let pkg: WorkerPackage;

beforeAll(async () => {
  arm = await startLocalArm({ storageUrlFor: () => "http://127.0.0.1:1/unused" });
  workDir = await mkdtemp(path.join(tmpdir(), "pkg-"));
  pkg = await buildWorkerPackage({ outDir: workDir });
});

afterAll(async () => {
  await arm.close();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  arm.calls.length = 0;
  arm.behaviour = { storageUrlFor: () => "http://127.0.0.1:1/unused" };
});

function inputs(overrides: Partial<PackageUploadInputs> = {}): PackageUploadInputs {
  return {
    packageResourceId: `${PACKAGE_ID}${pkg.version}`,
    zipPath: pkg.zipPath,
    sha256: pkg.sha256,
    armEndpoint: arm.endpoint,
    ...overrides,
  };
}

describe("application package provider", () => {
  test("activation posts format zip to the version's activate action with a bearer token for ARM", async () => {
    const scopes: string[] = [];
    const getToken = async (scope: string) => {
      scopes.push(scope);
      return arm.token;
    };
    await activatePackage(`${PACKAGE_ID}v1`, { armEndpoint: arm.endpoint, getToken });
    expect(arm.calls).toEqual([
      {
        method: "POST",
        url: `${PACKAGE_ID}v1/activate?api-version=2024-07-01`,
        authorization: `Bearer ${arm.token}`,
        body: JSON.stringify({ format: "zip" }),
      },
    ]);
    expect(scopes).toEqual([`${arm.endpoint}/.default`]);
  });

  test("diff: the same build changes nothing; a new build replaces", async () => {
    const diff = packageUploadProvider.diff as NonNullable<typeof packageUploadProvider.diff>;
    const news = inputs();
    const olds = {
      packageResourceId: news.packageResourceId,
      sha256: news.sha256,
      armEndpoint: arm.endpoint,
      format: "zip" as const,
    };
    expect(await diff("id", olds, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const next = { ...news, sha256: "b".repeat(64), packageResourceId: `${PACKAGE_ID}bbbbbbbbbbbb` };
    expect(await diff("id", olds, next)).toEqual({
      changes: true,
      replaces: ["packageResourceId", "sha256"],
      deleteBeforeReplace: false,
    });
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
    const olds = {
      packageResourceId: `${PACKAGE_ID}${pkg.version}`,
      sha256: pkg.sha256,
      armEndpoint: arm.endpoint,
      format: "zip" as const,
    };
    expect((await update("id", olds, inputs())).outs).toMatchObject({ sha256: pkg.sha256, format: "zip" });
    const del = packageUploadProvider.delete as NonNullable<typeof packageUploadProvider.delete>;
    await del("id", {
      packageResourceId: `${PACKAGE_ID}${pkg.version}`,
      sha256: pkg.sha256,
      armEndpoint: arm.endpoint,
      format: "zip",
    });
    expect(arm.calls).toEqual([]);
  });
});
