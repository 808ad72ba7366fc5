/**
 * SAS URLs for tasks, when the pool's identity cannot be used: one per container, the fewest
 * permissions (read+list the photos, create+write the results), expiring soon after the job's
 * wall-clock limit. Under Microsoft Entra ID they are user delegation SAS; with a shared key
 * (only where the account allows it) service SAS.
 */
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from "@azure/storage-blob";

export interface SasUrls {
  imagesUrlWithSas: string;
  resultsUrlWithSas: string;
  expiresOn: Date;
}

export async function taskSasUrls(
  blobService: BlobServiceClient,
  containers: { images: string; results: string },
  expiresOn: Date,
  sharedKey?: StorageSharedKeyCredential,
): Promise<SasUrls> {
  const startsOn = new Date(Date.now() - 5 * 60_000); // clock skew between here and storage
  let delegation: UserDelegationKey | undefined;
  if (!sharedKey) delegation = await blobService.getUserDelegationKey(startsOn, expiresOn);
  const protocol = blobService.url.startsWith("https:") ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
  const sign = (containerName: string, permissions: string) => {
    const values = {
      containerName,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn,
      expiresOn,
      protocol,
    };
    const query = delegation
      ? generateBlobSASQueryParameters(values, delegation, blobService.accountName)
      : generateBlobSASQueryParameters(values, sharedKey as StorageSharedKeyCredential);
    return `${blobService.getContainerClient(containerName).url}?${query.toString()}`;
  };
  return {
    imagesUrlWithSas: sign(containers.images, "rl"),
    resultsUrlWithSas: sign(containers.results, "cw"),
    expiresOn,
  };
}
