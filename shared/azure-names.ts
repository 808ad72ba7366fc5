/**
 * Azure's naming rules for what this program lets Pulumi autoname, checked with the suffix Pulumi
 * adds, so a name that Azure would refuse fails in config validation and tests instead of in the
 * middle of `pulumi up`. Pure: config.ts uses it too.
 */

/**
 * Pulumi autonames a resource as its logical name plus a random suffix, 8 characters by default
 * (lowercase letters and digits here; a stack's `pulumi:autonaming` config can change the pattern,
 * and then these checks no longer describe it).
 */
export const AUTONAME_SUFFIX = "0a1b2c3d";

interface NameRule {
  min: number;
  max: number;
  pattern: RegExp;
  /** The rule in words, for the message. */
  says: string;
}

const LETTERS_DIGITS_LOWER: Omit<NameRule, "min" | "max"> = {
  pattern: /^[a-z0-9]+$/,
  says: "lowercase letters and digits only",
};
const NETWORK_NAME: Omit<NameRule, "min" | "max"> = {
  pattern: /^[A-Za-z0-9](?:[\w.-]*\w)?$/,
  says: "letters, digits, underscores, periods, hyphens; starting with a letter or digit, ending with a letter, digit or underscore",
};

/** Per resource type (Pulumi's type token), from https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules. */
export const AZURE_NAME_RULES: Readonly<Record<string, NameRule>> = {
  "azure-native:resources:ResourceGroup": {
    min: 1,
    max: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    says: "letters, digits, underscores, hyphens, periods, parentheses; not ending with a period",
  },
  "azure-native:storage:StorageAccount": { min: 3, max: 24, ...LETTERS_DIGITS_LOWER },
  "azure-native:batch:BatchAccount": { min: 3, max: 24, ...LETTERS_DIGITS_LOWER },
  "azure-native:keyvault:Vault": {
    min: 3,
    max: 24,
    pattern: /^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$/,
    says: "letters, digits, hyphens; starting with a letter, ending with a letter or digit, no two hyphens in a row",
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    min: 3,
    max: 128,
    pattern: /^[A-Za-z0-9][\w-]*$/,
    says: "letters, digits, hyphens, underscores; starting with a letter or digit",
  },
  "azure-native:network:VirtualNetwork": { min: 2, max: 64, ...NETWORK_NAME },
  "azure-native:network:Subnet": { min: 1, max: 80, ...NETWORK_NAME },
  "azure-native:network:NatGateway": { min: 1, max: 80, ...NETWORK_NAME },
  "azure-native:network:PublicIPAddress": { min: 1, max: 80, ...NETWORK_NAME },
  "azure-native:network:PrivateEndpoint": { min: 2, max: 64, ...NETWORK_NAME },
  "azure-native:privatedns:VirtualNetworkLink": { min: 1, max: 80, ...NETWORK_NAME },
};

/** The longest name Azure sees for an autonamed resource. */
export function autonamed(logicalName: string): string {
  return `${logicalName}${AUTONAME_SUFFIX}`;
}

/** Why Azure would refuse `name` for a resource of `type`, or undefined when it fits (or the type has no rule here). */
export function azureNameProblem(type: string, name: string): string | undefined {
  const rule = AZURE_NAME_RULES[type];
  if (rule === undefined) return undefined;
  if (name.length >= rule.min && name.length <= rule.max && rule.pattern.test(name)) return undefined;
  return `${type.split(":").pop() ?? type} name ${JSON.stringify(name)} (${name.length} characters) breaks Azure's rule: ${rule.min}–${rule.max} characters, ${rule.says}`;
}
