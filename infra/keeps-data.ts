import type * as pulumi from "@pulumi/pulumi";
import type { OcrConfig } from "../shared/config";

/**
 * Options for the resources that hold photos and results (and the resource group around them),
 * when the stack keeps data (`keepsData`, on unless a scratch stack turns it off).
 * A `namePrefix` change renames them, which Pulumi carries out as delete-and-create; protected,
 * the update stops before anything is deleted. Removing them on purpose: set `keepsData` false and
 * `pulumi up` (which also removes the delete lock, infra/delete-lock.ts), then `pulumi destroy`;
 * or `pulumi state unprotect <urn>` (or `--all`) for protection alone.
 */
export function keepsDataOptions(cfg: Pick<OcrConfig, "keepsData">): pulumi.CustomResourceOptions {
  return { protect: cfg.keepsData };
}
