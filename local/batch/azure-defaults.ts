/**
 * The values Azure fills in for properties a request leaves out, so that an entity read back
 * from the local service has the same shape as from Batch (checked against the 2025-06-01
 * data-plane spec: AutoUserSpecification's scope defaults to pool and its elevation level to
 * nonadmin; a start task's maxTaskRetryCount to 0 and waitForSuccess to true; an image
 * reference without a version means latest).
 */
import type { ImageReference, StartTask } from "./model";
import type { Body } from "./validate";

/** Only auto users: a named one would come from the pool's userAccounts, refused at pool add. */
export interface UserIdentity {
  autoUser: { scope: "pool" | "task"; elevationLevel: "nonadmin" | "admin" };
}

/** The identity a task or start task runs as; without one, Batch's pool-wide non-admin auto user. */
export function userIdentityOf(body: Body): UserIdentity {
  const given = body.userIdentity as Partial<UserIdentity> | undefined | null;
  return { autoUser: { scope: "pool", elevationLevel: "nonadmin", ...given?.autoUser } };
}

export function startTaskWithDefaults(startTask: StartTask): StartTask {
  return {
    ...startTask,
    userIdentity: userIdentityOf(startTask as unknown as Body),
    maxTaskRetryCount: startTask.maxTaskRetryCount ?? 0,
    waitForSuccess: startTask.waitForSuccess ?? true,
  };
}

export function imageReferenceWithDefaults(image: ImageReference): ImageReference {
  return image.virtualMachineImageId === undefined ? { ...image, version: image.version ?? "latest" } : image;
}
