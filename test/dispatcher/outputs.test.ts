import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BatchAuthMode } from "../../contracts/stack-outputs";
import { connect, sharedKeysFromEnv } from "../../tasks/credentials";
import { outputsFromFile, outputsFromStack, projectRoot } from "../../tasks/outputs";

const valid = {
  batchAccountName: "acct",
  batchAccountEndpoint: "https://acct.westeurope.batch.azure.com",
  batchAuthModes: ["AAD"],
  poolId: "ocr-pool",
  storageAccountName: "st",
  blobEndpoint: "https://st.blob.core.windows.net/",
  storageSharedKeyAccess: false,
  imagesContainer: "images",
  resultsContainer: "results",
  applicationId: "ocrworker",
  applicationVersion: "abc123",
  poolIdentityResourceId:
    "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
  poolIdentityClientId: "00000000-0000-0000-0000-000000000000",
  location: "westeurope",
  resourceGroupName: "rg",
};

describe("stack outputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "outputs-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a file of pulumi stack output --json shape is read as is", async () => {
    const file = path.join(dir, "ok.json");
    await writeFile(file, JSON.stringify(valid));
    expect(await outputsFromFile(file)).toEqual(valid);
  });

  test("a missing field is named, with the file", async () => {
    const file = path.join(dir, "missing.json");
    const { poolId: _p, resultsContainer: _r, ...rest } = valid;
    await writeFile(file, JSON.stringify(rest));
    await expect(outputsFromFile(file)).rejects.toThrow(`${file}: stack outputs are missing poolId, resultsContainer`);
  });

  test("a file that is not there or not JSON says so", async () => {
    await expect(outputsFromFile(path.join(dir, "nope.json"))).rejects.toThrow(
      /cannot read the outputs file .*nope.json: ENOENT/,
    );
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    await expect(outputsFromFile(bad)).rejects.toThrow(/bad.json is not JSON/);
  });

  test("an unknown stack is named with the stacks this project has", async () => {
    await expect(outputsFromStack("nope", { projectDir: projectRoot() })).rejects.toThrow(
      /unknown stack "nope": this project has dev/,
    );
  });

  test("without the Pulumi CLI the message says what to do instead", async () => {
    await expect(
      outputsFromStack("dev", { projectDir: projectRoot(), pulumi: path.join(dir, "no-pulumi-here") }),
    ).rejects.toThrow(/Pulumi CLI .* is not installed or not on PATH.*--outputs FILE/);
  });

  test("the Pulumi CLI's JSON is validated like a file", async () => {
    const fake = path.join(dir, "pulumi");
    const { applicationVersion: _v, ...rest } = valid;
    await writeFile(
      fake,
      `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "stack output --json --stack dev" ] || exit 3\necho '${JSON.stringify(rest)}'\n`,
      { mode: 0o755 },
    );
    await expect(outputsFromStack("dev", { projectDir: projectRoot(), pulumi: fake })).rejects.toThrow(
      "stack dev: stack outputs are missing applicationVersion",
    );
  });

  test("keys come only from the variables npm run local prints, and only for the accounts of the outputs", () => {
    const env = {
      AZURE_BATCH_ACCOUNT: "acct",
      AZURE_BATCH_ACCESS_KEY: "b",
      AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=s==;BlobEndpoint=x",
    };
    expect(sharedKeysFromEnv(env)).toEqual({
      batchAccountKey: "b",
      batchAccountName: "acct",
      storageAccountKey: "s==",
      storageAccountName: "a",
    });
    expect(sharedKeysFromEnv({})).toEqual({
      batchAccountKey: undefined,
      batchAccountName: undefined,
      storageAccountKey: undefined,
      storageAccountName: undefined,
    });
    const outputs = { ...valid, batchAuthModes: ["AAD", "SharedKey"] as BatchAuthMode[], storageSharedKeyAccess: true };
    // The storage key is for account "a", not "st": Entra ID is used for storage, the Batch key for "acct".
    const access = connect(outputs, { keys: sharedKeysFromEnv(env), credential: { getToken: async () => null } });
    expect([access.batch, access.storage]).toEqual(["sharedKey", "entra"]);
    expect(
      connect(outputs, {
        keys: sharedKeysFromEnv({ ...env, AZURE_STORAGE_CONNECTION_STRING: "AccountName=st;AccountKey=k==" }),
      }).storage,
    ).toBe("sharedKey");
  });
});
