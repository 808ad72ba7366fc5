import * as authorization from "@pulumi/azure-native/authorization";
import type * as storage from "@pulumi/azure-native/storage";
import type { OcrConfig } from "../shared/config";

/** The lock's name in Azure, and what the portal shows beside it: who put it there and how to lift it. */
export const DELETE_LOCK_NAME = "keeps-photos-and-results";
export const DELETE_LOCK_NOTES =
  "Declared by the batch-ocr Pulumi program (keepsData): the photos and results live here. " +
  "To delete on purpose: set batch-ocr:keepsData false and pulumi up, then pulumi destroy (README, On Azure: Protection).";

/**
 * A CanNotDelete lock on the storage account, for a stack that keeps data. Pulumi's `protect`
 * stops only Pulumi; the lock stops Azure Resource Manager itself, so a portal or CLI delete of the
 * account, of a container (child resources inherit the lock) or of the whole resource group (which
 * fails while it holds a locked resource) is refused too. One lock on the account covers all three
 * without locking the pool, which the program must be free to replace. Blob deletes through the
 * data plane are not ARM operations: soft delete covers those.
 */
export function createDeleteLock(
  cfg: OcrConfig,
  account: storage.StorageAccount,
): authorization.ManagementLockByScope | undefined {
  if (!cfg.keepsData) return undefined;
  return new authorization.ManagementLockByScope("storage-delete-lock", {
    scope: account.id,
    lockName: DELETE_LOCK_NAME,
    level: authorization.LockLevel.CanNotDelete,
    notes: DELETE_LOCK_NOTES,
  });
}
