/**
 * Logical names of the resources whose names derive from `namePrefix`. Pulumi autonames them
 * (logical name + random suffix); config.ts checks that the results fit Azure's rules.
 */
export interface PrefixedNames {
  resourceGroup: string;
  storageAccount: string;
  batchAccount: string;
  /** Declared only in user-subscription mode, but its name must fit whenever it could be. */
  keyVault: string;
}

export function prefixedNames(namePrefix: string): PrefixedNames {
  return {
    resourceGroup: `${namePrefix}-rg`,
    storageAccount: `${namePrefix}st`,
    batchAccount: `${namePrefix}batch`,
    keyVault: `${namePrefix}kv`,
  };
}

/** Pulumi's type token of each prefixed resource, for the naming rules. */
export const PREFIXED_TYPES: Readonly<Record<keyof PrefixedNames, string>> = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  storageAccount: "azure-native:storage:StorageAccount",
  batchAccount: "azure-native:batch:BatchAccount",
  keyVault: "azure-native:keyvault:Vault",
};
