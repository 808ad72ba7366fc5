/**
 * The two steps `azure-native` leaves out of an application package version: uploading the zip
 * to the version's `storageUrl`, and activating the version. Plain functions, so the dynamic
 * provider stays small and the steps are tested against Azurite and a local ARM endpoint.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DefaultAzureCredential } from "@azure/identity";
import { BlockBlobClient } from "@azure/storage-blob";

export const ARM_ENDPOINT = "https://management.azure.com";
/** Microsoft.Batch management API version used for the activate call. */
export const BATCH_MANAGEMENT_API_VERSION = "2024-07-01";

export type TokenSource = (scope: string) => Promise<string>;

/** Entra ID token for ARM from whatever `DefaultAzureCredential` finds (az login, managed identity...). */
export const defaultTokenSource: TokenSource = async (scope) => {
  const token = await new DefaultAzureCredential().getToken(scope);
  if (!token) throw new Error(`no Entra ID token for ${scope}: run \`az login\` or provide a managed identity`);
  return token.token;
};

/** Uploads the zip to the SAS URL Batch handed out, after checking it is the build that was hashed. */
export async function uploadPackageZip(storageUrl: string, zipPath: string, expectedSha256: string): Promise<void> {
  const zip = await readFile(zipPath);
  const actual = createHash("sha256").update(zip).digest("hex");
  if (actual !== expectedSha256) {
    throw new Error(`${zipPath} changed since it was built (sha256 ${actual}, expected ${expectedSha256}); rebuild and run again`);
  }
  await new BlockBlobClient(storageUrl).uploadData(zip, { blobHTTPHeaders: { blobContentType: "application/zip" } });
}

export interface ActivationOptions {
  armEndpoint?: string;
  apiVersion?: string;
  getToken?: TokenSource;
}

/** Activates a package version: `POST {packageResourceId}/activate` with format zip. */
export async function activatePackage(packageResourceId: string, options: ActivationOptions = {}): Promise<void> {
  const armEndpoint = (options.armEndpoint ?? ARM_ENDPOINT).replace(/\/+$/, "");
  const apiVersion = options.apiVersion ?? BATCH_MANAGEMENT_API_VERSION;
  const token = await (options.getToken ?? defaultTokenSource)(`${armEndpoint}/.default`);
  const url = `${armEndpoint}${packageResourceId}/activate?api-version=${encodeURIComponent(apiVersion)}`;
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ format: "zip" }),
  });
  if (!response.ok) {
    const body = await response.text();
    let detail = body;
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
      if (parsed.error) detail = `${parsed.error.code ?? "Error"}: ${parsed.error.message ?? ""}`;
    } catch {
      // Not JSON: keep the raw body.
    }
    throw new Error(`activating ${packageResourceId} failed with HTTP ${response.status}: ${detail}`);
  }
}
