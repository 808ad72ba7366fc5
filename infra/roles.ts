import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { PrincipalType } from "../shared/config";

/** Built-in role ids: the same GUID in every subscription and cloud. */
export const BUILT_IN_ROLES = {
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** Assigns a built-in role to a principal at a scope (a resource id). */
export function assignRole(
  name: string,
  args: {
    principalId: pulumi.Input<string>;
    principalType: PrincipalType;
    role: BuiltInRole;
    scope: pulumi.Input<string>;
  },
  opts?: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  const subscriptionId = authorization.getClientConfigOutput().subscriptionId;
  return new authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType,
      scope: args.scope,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[args.role]}`,
    },
    opts,
  );
}
