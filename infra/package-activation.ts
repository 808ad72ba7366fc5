/**
 * The two steps `azure-native` leaves out of an application package version: uploading the zip
 * to the version's `storageUrl`, and activating the version. Plain functions, so the dynamic
 * provider stays small and the steps are tested against Azurite and a local ARM endpoint.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { BlockBlobClient } from "@azure/storage-blob";
import { armRequest, type ArmOptions } from "./arm-request";
import { retryWhileRolesPropagate, type PropagationWait } from "./role-propagation";

/** The zip's bytes, after checking it is the build that was hashed (and named the version). */
export async function readVerifiedZip(zipPath: string, expectedSha256: string): Promise<Buffer> {
  const zip = await readFile(zipPath);
  const actual = createHash("sha256").update(zip).digest("hex");
  if (actual !== expectedSha256) {
    throw new Error(
      `${zipPath} changed since it was built (sha256 ${actual}, expected ${expectedSha256}); rebuild and run again`,
    );
  }
  return zip;
}

/** A fresh SAS URL for the version's blob: `GET {packageResourceId}` returns one each time. */
export async function fetchPackageStorageUrl(packageResourceId: string, arm: ArmOptions = {}): Promise<string> {
  const version = (await armRequest("GET", packageResourceId, arm)) as
    { properties?: { storageUrl?: unknown } } | undefined;
  const storageUrl = version?.properties?.storageUrl;
  if (typeof storageUrl !== "string" || !storageUrl)
    throw new Error(`${packageResourceId} has no storageUrl to upload to`);
  return storageUrl;
}

/**
 * Uploads the zip to the version's blob. Each attempt asks ARM for a new `storageUrl` rather than
 * reusing one: a URL from the deployment's state may have expired, and one signed before the
 * Batch identity's role propagated stays refused.
 */
export async function uploadPackageVersion(
  packageResourceId: string,
  zip: Buffer,
  arm: ArmOptions,
  wait: PropagationWait,
): Promise<void> {
  await retryWhileRolesPropagate(
    `uploading the package to ${packageResourceId}`,
    async () => {
      const storageUrl = await fetchPackageStorageUrl(packageResourceId, arm);
      await new BlockBlobClient(storageUrl).uploadData(zip, {
        blobHTTPHeaders: { blobContentType: "application/zip" },
      });
    },
    wait,
  );
}

/** Activates a package version: `POST {packageResourceId}/activate` with format zip. */
export async function activatePackage(packageResourceId: string, arm: ArmOptions = {}): Promise<void> {
  await armRequest("POST", `${packageResourceId}/activate`, arm, { format: "zip" });
}
