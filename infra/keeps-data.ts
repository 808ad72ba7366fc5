import type * as pulumi from "@pulumi/pulumi";

/**
 * Options for the resources that hold photos and results (and the resource group around them).
 * A `namePrefix` change renames them, which Pulumi carries out as delete-and-create; protected,
 * the update stops before anything is deleted. Removing them on purpose is two steps: `pulumi state
 * unprotect <urn>` (or `--all`), then `pulumi up` or `pulumi destroy`.
 */
export const KEEPS_DATA: pulumi.CustomResourceOptions = { protect: true };
