/**
 * A dynamic provider that uploads and activates one application package version.
 *
 * Create uploads and activates. A new zip (a new content hash) or another package version
 * replaces the resource, which uploads and activates again. Nothing else changes it. Delete does
 * nothing, because deleting the package version (its own resource) removes the blob with it.
 *
 * Pulumi serializes this provider's code into the state and later runs it in its own host
 * process, loaded from a string with no file name, where `require("./…")` finds nothing. So
 * everything `create` uses is imported at the top: the closure serializer copies local modules'
 * code into the provider's text and leaves only node_modules packages to `require` by name.
 */
import * as pulumi from "@pulumi/pulumi";
import { ARM_ENDPOINT } from "./arm-request";
import { activatePackage, readVerifiedZip, uploadPackageVersion } from "./package-activation";
import { ROLE_PROPAGATION_WAIT, type PropagationWait } from "./role-propagation";

export interface PackageUploadInputs {
  /** ARM id of the application package version. */
  packageResourceId: string;
  zipPath: string;
  sha256: string;
  /** ARM endpoint, overridable for sovereign clouds and for tests. */
  armEndpoint: string;
}

export interface PackageUploadOutputs {
  packageResourceId: string;
  sha256: string;
  armEndpoint: string;
  format: "zip";
}

export const REPLACE_KEYS = ["packageResourceId", "sha256"] as const;

function outputsOf(inputs: PackageUploadInputs): PackageUploadOutputs {
  return {
    packageResourceId: inputs.packageResourceId,
    sha256: inputs.sha256,
    armEndpoint: inputs.armEndpoint,
    format: "zip",
  };
}

/** The provider, waiting out role propagation for `rolePropagation` (shortened by tests). */
export function createPackageUploadProvider(
  rolePropagation: PropagationWait = ROLE_PROPAGATION_WAIT,
): pulumi.dynamic.ResourceProvider<PackageUploadInputs, PackageUploadOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!/^\/subscriptions\/.+\/versions\/[^/]+$/i.test(String(news.packageResourceId ?? ""))) {
        failures.push({
          property: "packageResourceId",
          reason: "must be the ARM id of an application package version",
        });
      }
      if (!/^[0-9a-f]{64}$/.test(String(news.sha256 ?? "")))
        failures.push({ property: "sha256", reason: "must be a hex SHA-256" });
      if (!news.zipPath) failures.push({ property: "zipPath", reason: "is required" });
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = REPLACE_KEYS.filter((key) => olds[key] !== news[key]);
      return { changes: replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: false };
    },

    async create(inputs) {
      const zip = await readVerifiedZip(inputs.zipPath, inputs.sha256);
      const arm = { armEndpoint: inputs.armEndpoint };
      await uploadPackageVersion(inputs.packageResourceId, zip, arm, rolePropagation);
      await activatePackage(inputs.packageResourceId, arm);
      return { id: inputs.packageResourceId, outs: outputsOf(inputs) };
    },

    async update(_id, _olds, news) {
      // Only reached for changes that do not replace (none today): keep the record in step.
      return { outs: outputsOf(news) };
    },

    async delete() {
      // The package version resource owns the blob; deleting it removes the upload.
    },
  };
}

export const packageUploadProvider = createPackageUploadProvider();

export interface PackageUploadArgs {
  packageResourceId: pulumi.Input<string>;
  zipPath: pulumi.Input<string>;
  sha256: pulumi.Input<string>;
  armEndpoint?: pulumi.Input<string>;
}

export class PackageUpload extends pulumi.dynamic.Resource {
  declare public readonly packageResourceId: pulumi.Output<string>;
  declare public readonly sha256: pulumi.Output<string>;

  constructor(name: string, args: PackageUploadArgs, opts?: pulumi.CustomResourceOptions) {
    super(packageUploadProvider, name, { ...args, armEndpoint: args.armEndpoint ?? ARM_ENDPOINT }, opts);
  }
}
