import { appPackageEnvVar } from "../../contracts/node-setup";
import { parseResultRecord, parseResultRecords, RESULT_SCHEMA } from "../../contracts/result-record";
import { parseStackOutputs, STACK_OUTPUT_KEYS } from "../../contracts/stack-outputs";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseMeterProfile } from "../../contracts/meter-profile";

const OUTPUTS = {
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
  applicationVersion: "0123456789ab",
  poolIdentityResourceId:
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool",
  poolIdentityClientId: "client",
  location: "westeurope",
  resourceGroupName: "rg",
};

describe("stack outputs contract", () => {
  test("a complete set parses, and extra keys are dropped", () => {
    expect(parseStackOutputs({ ...OUTPUTS, somethingElse: 1 }, "outputs.json")).toEqual(OUTPUTS);
  });

  test("a file missing fields names them and itself", () => {
    const { poolId: _p, blobEndpoint: _b, ...partial } = OUTPUTS;
    expect(() => parseStackOutputs(partial, "outputs.json")).toThrow(
      "outputs.json: stack outputs are missing poolId, blobEndpoint",
    );
  });

  test("wrong types and endpoints without a scheme are refused", () => {
    expect(() =>
      parseStackOutputs({ ...OUTPUTS, batchAuthModes: ["Password"], blobEndpoint: "st.blob.core.windows.net" }, "x"),
    ).toThrow(
      'x: batchAuthModes.0 must be one of AAD/SharedKey/TaskAuthenticationToken (got "Password"); blobEndpoint must be a URL with scheme (got "st.blob.core.windows.net")',
    );
    expect(() => parseStackOutputs({ ...OUTPUTS, batchAuthModes: [], storageSharedKeyAccess: "no" }, "x")).toThrow(
      "x: batchAuthModes must be a non-empty array of AAD/SharedKey/TaskAuthenticationToken; storageSharedKeyAccess must be a boolean",
    );
    expect(() => parseStackOutputs({ ...OUTPUTS, poolId: "", location: null }, "x")).toThrow(
      "x: stack outputs are missing poolId, location",
    );
    expect(() => parseStackOutputs([], "x")).toThrow(/must be a JSON object/);
  });

  test("the key list is the whole contract", () => {
    expect([...STACK_OUTPUT_KEYS].sort()).toEqual(Object.keys(OUTPUTS).sort());
  });
});

describe("result record contract", () => {
  const record = {
    schema: RESULT_SCHEMA,
    photo: "meter 1.jpg",
    status: "ok",
    reading: "00530",
    confidence: 0.93,
    rawText: "00530\n",
    error: null,
    mode: "profile",
    timings: { convertMs: 10, ocrMs: 20, totalMs: 35 },
  };

  test("records round-trip through JSON Lines, blank lines skipped", () => {
    const body = `${JSON.stringify(record)}\n\n${JSON.stringify({ ...record, photo: "b.jpg", status: "unreadable", reading: null, error: "low confidence" })}\n`;
    expect(parseResultRecords(body).map((r) => [r.photo, r.status])).toEqual([
      ["meter 1.jpg", "ok"],
      ["b.jpg", "unreadable"],
    ]);
  });

  test("an unknown schema version is refused rather than guessed", () => {
    // Only the version is named: another version's fields are not this reader's to judge.
    expect(() => parseResultRecord(JSON.stringify({ schema: "batch-ocr/result@2", file: "a.jpg" }))).toThrow(
      /^schema is "batch-ocr\/result@2", which this version does not read \(it reads batch-ocr\/result@1\)$/,
    );
    expect(() => parseResultRecord("{not json")).toThrow(/not JSON/);
    expect(() => parseResultRecord(JSON.stringify({ ...record, status: "maybe" }))).toThrow(
      'status must be ok, unreadable or error (got "maybe")',
    );
  });

  test("every field the dispatcher reads is checked, each problem named by its path", () => {
    expect(() =>
      parseResultRecord(
        JSON.stringify({
          ...record,
          photo: "",
          timings: { convertMs: 1, ocrMs: "2" },
          counter: { corners: [[0, 0]], skew: 0, wheels: 4.5 },
        }),
      ),
    ).toThrow(
      "photo must be the photo's name; counter.wheels must be a whole number of wheels; timings.ocrMs must be a number of milliseconds; timings.totalMs must be a number of milliseconds",
    );
    expect(() => parseResultRecord("[]")).toThrow(/^record is not an object$/);
  });
});

describe("node setup contract", () => {
  test("application package variables follow Batch's Linux naming", () => {
    expect(appPackageEnvVar("ocrworker", "0123456789ab")).toBe("AZ_BATCH_APP_PACKAGE_ocrworker_0123456789ab");
    expect(appPackageEnvVar("ocr-worker", "1.2#3")).toBe("AZ_BATCH_APP_PACKAGE_ocr_worker_1_2_3");
  });
});

describe("meter profile contract", () => {
  test("the committed profiles parse", () => {
    for (const file of ["samples/profile.json", "profiles/jomjol-water-meter.json"]) {
      const json = JSON.parse(readFileSync(path.join(__dirname, "..", "..", file), "utf8")) as unknown;
      expect(parseMeterProfile(json, file).digits).toBe(5);
    }
  });

  test("every problem is named, with the file", () => {
    expect(() =>
      parseMeterProfile(
        { crop: { x: -1, y: 0, width: 0, height: 10 }, bandOffset: { x: 1.5, y: 0 }, digits: 0, colour: "red" },
        "p.json",
      ),
    ).toThrow(
      'p.json: unknown field "colour"; crop.x must be an integer ≥ 0; crop.width must be a positive integer; bandOffset.x must be whole pixels (an integer); digits must be an integer from 1 to 12',
    );
    expect(() => parseMeterProfile([], "q.json")).toThrow("q.json: a meter profile must be a JSON object");
    expect(() =>
      parseMeterProfile(
        {
          corners: [
            [0, 0],
            [10, -1],
            [10, 5],
            [0, 5],
          ],
        },
        "r.json",
      ),
    ).toThrow("r.json: corners.1.1 must be a number of pixels ≥ 0");
    expect(() => parseMeterProfile({ corners: [[0, 0], [10], [10, 5], [0, 5]] }, "r.json")).toThrow(
      "r.json: corners.1 must be an [x, y] point (two numbers ≥ 0)",
    );
  });

  test("the profile is returned as written, key order kept, since the dispatcher hashes it to recognise it on a resume", () => {
    const written = { invert: true, digits: 5, crop: { y: 1, x: 2, width: 30, height: 10 } };
    expect(JSON.stringify(parseMeterProfile(written, "p.json"))).toBe(JSON.stringify(written));
  });
});
