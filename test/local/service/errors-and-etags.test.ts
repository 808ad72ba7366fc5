/**
 * How the local Batch service says no: authentication, API versions, unknown paths, Batch's
 * error codes with the property named, unsupported features refused (never a silent success),
 * and conditional requests with ETags.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { randomBytes } from "node:crypto";
import { IMAGE, VM_SIZE, addPool, detail, errorOf, useService } from "./fixture";

const service = useService("errors");

// Bearer tokens and request dates: authentication.test.ts.
describe("authentication", () => {
  it("refuses a wrong key with 403 AuthenticationFailed and Batch's message", async () => {
    const { clientWithKey } = service();
    const error = await errorOf(() => clientWithKey(randomBytes(64).toString("base64")).job.list());
    expect(error).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    expect(error.message).toMatch(/^Server failed to authenticate the request\./);
  });

  it("refuses another account's name even with the right key", async () => {
    const { cloud } = service();
    const other = new BatchServiceClient(
      new BatchSharedKeyCredentials("someoneelse", cloud.batchAccountKey),
      cloud.batchEndpoint,
    );
    expect(await errorOf(() => other.pool.list())).toMatchObject({ status: 403, code: "AuthenticationFailed" });
  });

  it("refuses a request with no Authorization header", async () => {
    const { cloud } = service();
    const res = await fetch(`${cloud.batchEndpoint}/jobs?api-version=2022-10-01.16.0`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "AuthenticationFailed" });
  });
});

describe("API versions", () => {
  it("refuses a version Batch does not serve, naming it", async () => {
    const { clientWithKey, cloud } = service();
    const client = clientWithKey(cloud.batchAccountKey);
    client.apiVersion = "2019-08-01.10.0";
    const error = await errorOf(() => client.pool.list());
    expect(error).toMatchObject({ status: 400, code: "UnsupportedRequestVersion" });
    expect(detail(error, "QueryParameterValue")).toBe("2019-08-01.10.0");
  });

  it("answers the newest version, 2025-06-01", async () => {
    const { clientWithKey, cloud } = service();
    const client = clientWithKey(cloud.batchAccountKey);
    client.apiVersion = "2025-06-01";
    await client.job.add({ id: "newest-api-job", poolInfo: { poolId: "any-pool" } });
    const job = await client.job.get("newest-api-job");
    expect(job).toMatchObject({ id: "newest-api-job", state: "active" });
  });
});

describe("error codes", () => {
  it("answers an unknown path with 501 and the JSON error body", async () => {
    const reply = await service().raw("GET", "/certificates");
    expect(reply.status).toBe(501);
    expect(reply.body).toMatchObject({
      "odata.metadata": expect.stringContaining("Container.errors/@Element"),
      code: expect.any(String),
      message: { lang: "en-US", value: expect.stringContaining("/certificates") },
    });
  });

  it("names missing pools, jobs and tasks and existing jobs and tasks as Batch does", async () => {
    const { client } = service();
    expect(await errorOf(() => client.pool.get("no-such-pool"))).toMatchObject({ status: 404, code: "PoolNotFound" });
    expect(await errorOf(() => client.job.get("no-such-job"))).toMatchObject({ status: 404, code: "JobNotFound" });

    await client.job.add({ id: "codes-job", poolInfo: { poolId: "codes-pool" } });
    expect(await errorOf(() => client.job.add({ id: "CODES-job", poolInfo: { poolId: "codes-pool" } }))).toMatchObject({
      status: 409,
      code: "JobExists",
    });

    await client.task.add("codes-job", { id: "t1", commandLine: "/bin/true" });
    expect(await errorOf(() => client.task.add("codes-job", { id: "t1", commandLine: "/bin/true" }))).toMatchObject({
      status: 409,
      code: "TaskExists",
    });
    expect(await errorOf(() => client.task.get("codes-job", "t2"))).toMatchObject({
      status: 404,
      code: "TaskNotFound",
    });

    const exists = await client.pool.exists("no-such-pool");
    expect(exists.body).toBe(false);
  });

  it("names the property that is wrong or missing", async () => {
    const { client, raw } = service();
    await client.job.add({ id: "props-job", poolInfo: { poolId: "props-pool" } });

    const badId = await errorOf(() =>
      client.task.add("props-job", { id: "not a valid id!", commandLine: "/bin/true" }),
    );
    expect(badId).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(badId, "PropertyName")).toBe("id");

    const badSize = await errorOf(() =>
      client.pool.add({ id: "bad-size-pool", vmSize: "Standard_Imaginary", virtualMachineConfiguration: IMAGE }),
    );
    expect(badSize).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(badSize, "PropertyName")).toBe("vmSize");

    const noCommand = await raw("POST", "/jobs/props-job/tasks", { id: "no-command" });
    expect(noCommand.status).toBe(400);
    expect(noCommand.body).toMatchObject({
      code: "MissingRequiredProperty",
      values: [{ key: "PropertyName", value: "commandLine" }],
    });

    const noPool = await raw("POST", "/jobs", { id: "no-pool-job" });
    expect(noPool.status).toBe(400);
    expect(noPool.body).toMatchObject({
      code: "MissingRequiredProperty",
      values: [{ key: "PropertyName", value: "poolInfo" }],
    });
  });

  it("refuses features it does not support with 501 and creates nothing", async () => {
    const { client } = service();
    await client.job.add({ id: "unsupported-job", poolInfo: { poolId: "unsupported-pool" } });

    const container = await errorOf(() =>
      client.task.add("unsupported-job", {
        id: "in-container",
        commandLine: "/bin/true",
        containerSettings: { imageName: "ubuntu:24.04" },
      }),
    );
    expect(container.status).toBe(501);
    expect(container.message).toContain("containerSettings");
    expect(await errorOf(() => client.task.get("unsupported-job", "in-container"))).toMatchObject({
      code: "TaskNotFound",
    });

    const autoPool = await errorOf(() =>
      client.job.add({
        id: "auto-pool-job",
        poolInfo: {
          autoPoolSpecification: {
            poolLifetimeOption: "job",
            pool: { vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE },
          },
        },
      }),
    );
    expect(autoPool.status).toBe(501);
    expect(await errorOf(() => client.job.get("auto-pool-job"))).toMatchObject({ code: "JobNotFound" });
  });
});

describe("ETags and If-Match", () => {
  it("refuses a patch with a stale ETag (412 ConditionNotMet) and applies one with the current ETag", async () => {
    const { client } = service();
    await client.job.add({ id: "etag-job", poolInfo: { poolId: "etag-pool" }, priority: 0 });
    const first = await client.job.get("etag-job");
    expect(first.eTag).toEqual(expect.any(String));

    await client.job.patch("etag-job", { priority: 5 }, { jobPatchOptions: { ifMatch: first.eTag } });
    const second = await client.job.get("etag-job");
    expect(second.priority).toBe(5);
    expect(second.eTag).not.toBe(first.eTag);

    const stale = await errorOf(() =>
      client.job.patch("etag-job", { priority: 9 }, { jobPatchOptions: { ifMatch: first.eTag } }),
    );
    expect(stale).toMatchObject({ status: 412, code: "ConditionNotMet" });
    expect((await client.job.get("etag-job")).priority).toBe(5);
  });

  it("answers the entity's ETag in the header as in the body", async () => {
    const { client } = service();
    await addPool(client, "etag-pool", { nodes: 0 });
    const pool = await client.pool.get("etag-pool");
    const response = (pool as unknown as { _response: { headers: { get(name: string): string | undefined } } })
      ._response;
    expect(response.headers.get("etag")).toBe(pool.eTag);

    const stale = await errorOf(() =>
      client.pool.patch(
        "etag-pool",
        { metadata: [{ name: "a", value: "b" }] },
        { poolPatchOptions: { ifMatch: "0x8D000000000000" } },
      ),
    );
    expect(stale).toMatchObject({ status: 412, code: "ConditionNotMet" });
    await client.pool.patch(
      "etag-pool",
      { metadata: [{ name: "a", value: "b" }] },
      { poolPatchOptions: { ifMatch: pool.eTag } },
    );
    expect((await client.pool.get("etag-pool")).metadata).toEqual([{ name: "a", value: "b" }]);
  });
});
