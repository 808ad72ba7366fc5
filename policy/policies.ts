/**
 * The hardening this project promises, as policies. Kept apart from the PolicyPack so tests can
 * run each one on compliant and non-compliant resources (and on everything the program declares).
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { NODE_AGENT_SKU } from "../shared/pool-spec";
import { retiredImage, retiredNodeAgent } from "../shared/retirements";

type Props = Record<string, unknown>;

const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const BATCH_ACCOUNT = "azure-native:batch:BatchAccount";
const BATCH_POOL = "azure-native:batch:Pool";

/** The one explicit exception to Entra-ID-only access, set in the stack's policy config. */
const SHARED_KEY_EXCEPTION = { properties: { allowSharedKey: { type: "boolean" as const, default: false } } };

function ofType(type: string, check: (props: Props, report: ReportViolation, args: ResourceValidationArgs) => void) {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type === type) check(args.props as Props, report, args);
  };
}

/** The storage account's public endpoint states a stack may choose (Azure also knows SecuredByPerimeter, which needs a perimeter this program does not declare). */
const STORAGE_NETWORK_ACCESS = ["Enabled", "Disabled"];

export const storageHardened: ResourceValidationPolicy = {
  name: "storage-account-hardened",
  description:
    "Storage accounts accept HTTPS only with TLS 1.2 or later, never serve public blobs, state whether their public endpoint is open, and refuse shared-key access unless allowed.",
  enforcementLevel: "mandatory",
  configSchema: SHARED_KEY_EXCEPTION,
  validateResource: ofType(STORAGE_ACCOUNT, (props, report, args) => {
    if (props.enableHttpsTrafficOnly !== true) report("enableHttpsTrafficOnly must be true");
    if (props.minimumTlsVersion !== "TLS1_2" && props.minimumTlsVersion !== "TLS1_3") {
      report(`minimumTlsVersion must be TLS1_2 or later (got ${JSON.stringify(props.minimumTlsVersion)})`);
    }
    if (props.allowBlobPublicAccess !== false) report("allowBlobPublicAccess must be false");
    if (!STORAGE_NETWORK_ACCESS.includes(props.publicNetworkAccess as string)) {
      report(
        `publicNetworkAccess must be set explicitly to ${STORAGE_NETWORK_ACCESS.join(" or ")} (got ${JSON.stringify(props.publicNetworkAccess)}): ` +
          "unset, whether the public endpoint is open is Azure's default and the network rules', not a reviewed choice",
      );
    }
    const { allowSharedKey } = args.getConfig<{ allowSharedKey: boolean }>();
    if (!allowSharedKey && props.allowSharedKeyAccess !== false) {
      report("allowSharedKeyAccess must be false (set the policy's allowSharedKey to make an exception)");
    }
  }),
};

export const batchAccountEntraOnly: ResourceValidationPolicy = {
  name: "batch-account-entra-id-only",
  description:
    "Batch accounts accept Microsoft Entra ID only, unless the stack makes an explicit exception for Shared Key.",
  enforcementLevel: "mandatory",
  configSchema: SHARED_KEY_EXCEPTION,
  validateResource: ofType(BATCH_ACCOUNT, (props, report, args) => {
    const modes = props.allowedAuthenticationModes;
    // Unset means Azure's default, which includes SharedKey.
    if (!Array.isArray(modes) || modes.length === 0) {
      report("allowedAuthenticationModes must be set explicitly (Azure's default allows Shared Key)");
      return;
    }
    const { allowSharedKey } = args.getConfig<{ allowSharedKey: boolean }>();
    if (modes.includes("SharedKey") && !allowSharedKey) {
      report(
        "allowedAuthenticationModes includes SharedKey; use AAD only, or set the policy's allowSharedKey as an explicit exception",
      );
    }
  }),
};

export const userSubscriptionHasKeyVault: ResourceValidationPolicy = {
  name: "batch-user-subscription-key-vault",
  description:
    "A Batch account in user-subscription allocation mode names the Key Vault Batch keeps its VMs' secrets in; Azure refuses the account without one.",
  enforcementLevel: "mandatory",
  validateResource: ofType(BATCH_ACCOUNT, (props, report) => {
    if (props.poolAllocationMode !== "UserSubscription") return;
    const vault = props.keyVaultReference as Props | undefined;
    if (typeof vault?.id !== "string" || typeof vault.url !== "string") {
      report(
        "poolAllocationMode UserSubscription needs keyVaultReference (id and url of a Key Vault in the account's region and subscription, with the Batch service granted its secrets)",
      );
    }
  }),
};

export const poolNodeAgentCurrent: ResourceValidationPolicy = {
  name: "batch-pool-node-agent-current",
  description: "Pools run on an image, and a Batch node agent, that are not retired (shared/retirements.ts).",
  enforcementLevel: "mandatory",
  validateResource: ofType(BATCH_POOL, (props, report) => {
    const vm = (props.deploymentConfiguration as Props | undefined)?.virtualMachineConfiguration as Props | undefined;
    const agent = vm?.nodeAgentSkuId;
    const retiredAgent = typeof agent === "string" ? retiredNodeAgent(agent) : undefined;
    if (typeof agent !== "string") report("the pool must declare a virtual machine configuration with a node agent");
    else if (retiredAgent !== undefined)
      report(`node agent "${agent}" is retired (${retiredAgent.notice}); use "${NODE_AGENT_SKU}"`);
    const image = vm?.imageReference as Props | undefined;
    if (image !== undefined) {
      const ref = { publisher: String(image.publisher), offer: String(image.offer), sku: String(image.sku) };
      const retired = retiredImage(ref);
      if (retired !== undefined)
        report(`image ${ref.publisher}/${ref.offer}/${ref.sku} is retired (${retired.notice})`);
    }
  }),
};

export const poolScalesToZero: ResourceValidationPolicy = {
  name: "batch-pool-scales-to-zero",
  description:
    "Pools autoscale with a floor of zero nodes, so an idle pool costs nothing. Formulas declare their floor as `$minNodes`.",
  enforcementLevel: "mandatory",
  validateResource: ofType(BATCH_POOL, (props, report) => {
    const scale = props.scaleSettings as Props | undefined;
    const formula = (scale?.autoScale as Props | undefined)?.formula;
    if (typeof formula !== "string") {
      report("the pool must autoscale (a fixed-size pool never reaches zero nodes)");
      return;
    }
    const floor = /\$minNodes\s*=\s*(\d+)\s*;/.exec(formula);
    if (!floor) report("the autoscale formula must declare its floor as `$minNodes = <n>;`");
    else if (Number(floor[1]) !== 0)
      report(`the autoscale formula's floor is ${floor[1]} nodes; it must be able to reach 0`);
  }),
};

/** What a pool asks of preemptible (Spot or low-priority) nodes, in words; undefined when nothing. */
export function preemptibleRequest(pool: Props): string | undefined {
  const scale = pool.scaleSettings as Props | undefined;
  const fixed = (scale?.fixedScale as Props | undefined)?.targetLowPriorityNodes;
  if (typeof fixed === "number" && fixed > 0) return `fixedScale.targetLowPriorityNodes = ${fixed}`;
  const formula = (scale?.autoScale as Props | undefined)?.formula;
  if (typeof formula !== "string") return undefined;
  const targets = [...formula.matchAll(/\$TargetLowPriorityNodes\s*=\s*([^;]*);/g)].map((m) => (m[1] ?? "").trim());
  const asked = targets.find((value) => value !== "0");
  return asked === undefined ? undefined : `the autoscale formula sets $TargetLowPriorityNodes = ${asked}`;
}

/** The pool's account: the one it names, else the stack's only account (names are unknown before the first deploy). */
function accountOf(pool: PolicyResource, accounts: PolicyResource[]): PolicyResource | undefined {
  const named = accounts.find((a) => a.props.name !== undefined && a.props.name === pool.props.accountName);
  return named ?? (accounts.length === 1 ? accounts[0] : undefined);
}

export const spotNeedsUserSubscription: StackValidationPolicy = {
  name: "batch-spot-needs-user-subscription",
  description:
    "Pools ask for Spot nodes only in a Batch account with user-subscription pool allocation: a Batch-service account's preemptible nodes are low-priority ones, retired on 30 September 2025.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const accounts = args.resources.filter((r) => r.type === BATCH_ACCOUNT);
    for (const pool of args.resources.filter((r) => r.type === BATCH_POOL)) {
      const asked = preemptibleRequest(pool.props);
      const account = accountOf(pool, accounts);
      // Unset is Azure's default, BatchService.
      if (asked === undefined || account === undefined || account.props.poolAllocationMode === "UserSubscription")
        continue;
      report(
        `pool ${pool.name} asks for preemptible nodes (${asked}) in Batch account ${account.name}, which allocates in Batch-service mode: ` +
          "low-priority nodes were retired on 30 September 2025 and Spot nodes need user-subscription pool allocation " +
          "(https://learn.microsoft.com/azure/batch/batch-spot-vms). Set batch-ocr:spotShare to 0, or batch-ocr:poolAllocationMode to UserSubscription.",
        pool.urn,
      );
    }
  },
};

/** The private link groups a resource type must be reachable through once its public endpoint is closed. */
const PRIVATE_GROUPS_NEEDED: Readonly<Record<string, readonly string[]>> = {
  [BATCH_ACCOUNT]: ["batchAccount", "nodeManagement"],
  [STORAGE_ACCOUNT]: ["blob"],
};

/** The group ids the stack's private endpoints connect to. */
function privateGroupsDeclared(resources: PolicyResource[]): Set<string> {
  const groups = resources
    .filter((r) => r.type === "azure-native:network:PrivateEndpoint")
    .flatMap((r) =>
      Array.isArray(r.props.privateLinkServiceConnections) ? (r.props.privateLinkServiceConnections as Props[]) : [],
    )
    .flatMap((c) => (Array.isArray(c.groupIds) ? (c.groupIds as string[]) : []));
  return new Set(groups);
}

export const closedEndpointsHavePrivateOnes: StackValidationPolicy = {
  name: "closed-public-endpoint-has-private-endpoints",
  description:
    "A Batch account or storage account with public network access Disabled comes with private endpoints for what the pool and the dispatcher use (batchAccount and nodeManagement; blob), or nothing could reach it.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const declared = privateGroupsDeclared(args.resources);
    for (const r of args.resources) {
      const needed = PRIVATE_GROUPS_NEEDED[r.type];
      if (needed === undefined || r.props.publicNetworkAccess !== "Disabled") continue;
      const missing = needed.filter((g) => !declared.has(g));
      if (missing.length > 0) {
        report(
          `${r.name} has public network access Disabled but the stack declares no private endpoint for ${missing.join(", ")}: the pool's nodes and the dispatcher could not reach it`,
          r.urn,
        );
      }
    }
  },
};

export const POLICIES: ResourceValidationPolicy[] = [
  storageHardened,
  batchAccountEntraOnly,
  userSubscriptionHasKeyVault,
  poolNodeAgentCurrent,
  poolScalesToZero,
];

export const STACK_POLICIES: StackValidationPolicy[] = [spotNeedsUserSubscription, closedEndpointsHavePrivateOnes];
