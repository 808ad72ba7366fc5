/**
 * `npm run ocr` as an operator runs it, one process each: the exit code and stderr through the
 * real entry point, and the answers that need other programs (the Pulumi CLI, az sign-in). The
 * usage errors the command decides itself are tested in-process in cli.unit.test.ts.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { useCliFixture } from "./cli-fixture";
import { runCli } from "./run-cli";

const ocr = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { env });

/** The rest of a valid outputs file, for an account that takes Microsoft Entra ID only (unreachable: https://127.0.0.1:9). */
const ENTRA_ONLY = {
  batchAccountEndpoint: "https://127.0.0.1:9",
  batchAuthModes: ["AAD"],
  poolId: "ocr-pool",
  storageAccountName: "st",
  blobEndpoint: "https://127.0.0.1:9/st/",
  storageSharedKeyAccess: false,
  imagesContainer: "images",
  resultsContainer: "results",
  applicationId: "ocrworker",
  applicationVersion: "abc",
  poolIdentityResourceId: "/x",
  poolIdentityClientId: "00000000-0000-0000-0000-000000000000",
  location: "westeurope",
  resourceGroupName: "rg",
};

describe("npm run ocr through a real process", () => {
  const f = useCliFixture();

  test("--help exits 0 with the options on stdout, and a bad number exits 1 with the message on stderr", async () => {
    const help = await ocr(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--outage-limit");
    const zero = await ocr(["--images-per-task", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--images-per-task.*whole number of 1 or more/);
  });

  test("an unknown stack, and a known one without the Pulumi CLI", async () => {
    const unknown = await ocr(["--stack", "prod", "--input", f.photos]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown stack "prod": this project has dev/);
    const noCli = await ocr(["--stack", "dev", "--input", f.photos], {
      ...process.env,
      PATH: path.dirname(process.execPath),
    });
    expect(noCli.code).toBe(1);
    expect(noCli.stderr).toMatch(/Pulumi CLI \(pulumi\) is not installed or not on PATH/);
  });

  test("without Microsoft Entra ID sign-in (and no key the account allows), it says how to sign in", async () => {
    const outputs = path.join(f.dir, "entra-outputs.json");
    await writeFile(
      outputs,
      JSON.stringify({ ...JSON.parse(await readFile(f.partialOutputs, "utf8")), ...ENTRA_ONLY }),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AZURE_")));
    const run = await ocr(["--outputs", outputs, "--input", f.photos], { ...env, AZURE_BATCH_ACCESS_KEY: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot get a Microsoft Entra ID token: sign in with "az login"/);
    expect(run.stderr).not.toMatch(/sent \(/); // nothing was uploaded
  });
});
