/**
 * The stack's configuration, declared once: each key's type, checks, default, message and
 * documentation (Pulumi.yaml's config schema is tested against it). Pure: no `@pulumi/*` import,
 * so the dispatcher's local mode reads the very same Pulumi.<stack>.yaml through it and deploys
 * the same pool locally.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import * as z from "zod/mini";
import { problemLines } from "../contracts/schema-problems";
import { autonamed, azureNameProblem } from "./azure-names";
import { contains, overlaps, rangeOf } from "./cidr";
import { decimal, defaulted, described, flag, integer, oneOf, shaped, text } from "./config-values";
import { PREFIXED_TYPES, prefixedNames } from "./names";
import { retiredVmFamily } from "./retirements";
import { taskSlotLimit, vcpusOf } from "./vm-sizes";

export const PROJECT = "batch-ocr";

/** Where the Batch account allocates pool VMs: Batch's own subscriptions, or this one (the only mode with Spot). */
export const POOL_ALLOCATION_MODES = ["BatchService", "UserSubscription"] as const;
export type PoolAllocationMode = (typeof POOL_ALLOCATION_MODES)[number];

/** What kind of Entra ID principal a role assignment names; ARM refuses a mismatch (`UnmatchedPrincipalType`). */
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

const NODE_FILL_TYPES = ["Spread", "Pack"] as const;
export type NodeFillType = (typeof NODE_FILL_TYPES)[number];

/**
 * In Batch-service allocation the preemptible nodes on offer were low-priority ones, retired on
 * 30 September 2025; Spot nodes need an account in user-subscription allocation mode.
 */
export const SPOT_NEEDS_USER_SUBSCRIPTION =
  "Spot nodes need a Batch account in user-subscription pool allocation mode, and this stack's account allocates in Batch-service mode, " +
  "where low-priority nodes were retired on 30 September 2025 (https://learn.microsoft.com/azure/batch/batch-spot-vms). " +
  "Set batch-ocr:spotShare to 0, or set batch-ocr:poolAllocationMode to UserSubscription (with batchServicePrincipalObjectId, after the subscription steps in the README)";

/**
 * The application id of the "Microsoft Azure Batch" service principal, the same in every tenant.
 * Its object id differs per tenant, hence `batchServicePrincipalObjectId`.
 */
export const BATCH_SERVICE_APP_ID = "ddbf3205-c6bd-46ae-8127-60eb93363864";

/** Batch accepts only Microsoft Entra ID from clients of a user-subscription account. */
export const USER_SUBSCRIPTION_ENTRA_ONLY =
  "batchSharedKeyAccess cannot be true with poolAllocationMode UserSubscription: Batch accepts only Microsoft Entra ID from clients of a user-subscription account";

const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/**
 * With public access off, simplified-communication nodes reach the account's node management
 * endpoint, the dispatcher its account endpoint, and both the blobs, only through private
 * endpoints, and those live in the program's virtual network.
 */
export const PRIVATE_ACCESS_NEEDS_NETWORK =
  "publicNetworkAccess false needs privateNetwork true: the private endpoints for the Batch account (groups batchAccount and nodeManagement) " +
  "and blob storage, and their privatelink DNS zones, are declared in the pool's virtual network, without which nodes on simplified node communication " +
  "and the dispatcher could not reach the accounts. Set privateNetwork true, or leave publicNetworkAccess true: the accounts still accept Microsoft Entra ID only";

export class ConfigError extends Error {
  override name = "ConfigError";
}

const WORKSPACE_ID_SHAPE =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[A-Za-z0-9][A-Za-z0-9-]{2,62}$/i;

const VM_SIZE_SHAPE = /^Standard_[A-Z][A-Za-z0-9]*(-\d+)?[a-z]*(_v\d+)?$/;

const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const CONTAINER_ACCEPTS = "a valid blob container name (3–63 lowercase letters, digits, single hyphens)";
const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ENTRA_OBJECT_ID = "an Entra ID object id (a GUID)";

function between(min: number, max: number, message = `must be between ${min} and ${max}`) {
  return [z.gte(min, message), z.lte(max, message)];
}

/** A subnet or address space; where it must lie is checked across keys, once each is a block. */
function cidrBlock() {
  return text().check(z.refine((block) => rangeOf(block) !== undefined, "must be a CIDR block such as 10.40.0.0/16"));
}

function vmSize() {
  return text().check(
    z.regex(VM_SIZE_SHAPE, {
      error: (issue) => `${JSON.stringify(issue.input)} is not an Azure VM size (e.g. Standard_D2as_v5)`,
    }),
  );
}

/** Checked across keys, not on vmSize itself, so that the task slots are still held against the size's vCPUs. */
function retiredSizeProblems(c: OcrConfig): string[] {
  const retired = retiredVmFamily(c.vmSize);
  if (retired === undefined) return [];
  return [
    `vmSize ${c.vmSize} is in a retired or retiring family (${retired.family}, ${retired.notice}); use a current one such as Standard_D2as_v5, Standard_D2s_v5 or Standard_F2s_v2`,
  ];
}

/**
 * Every key once: its kind, checks, message, default and description. The descriptions are
 * Pulumi.yaml's config schema word for word (Pulumi reads them there; the test holds the two equal).
 */
const KEYS = {
  location: described(
    text("is required (e.g. westeurope)"),
    "Azure region for every resource (required), e.g. westeurope.",
  ),
  // The length limit (11) is not written here: it follows from the longest autonamed name, the Batch account's.
  namePrefix: defaulted(
    shaped(
      /^[a-z][a-z0-9]{2,}$/,
      "3–11 lowercase letters or digits, starting with a letter (storage account names allow nothing else)",
    ),
    "batchocr",
    "Prefix of resource names; 3-11 lowercase letters or digits (storage and Batch account names derive from it).",
  ),
  imagesContainer: defaulted(
    shaped(CONTAINER_NAME, CONTAINER_ACCEPTS),
    "images",
    "Blob container the dispatcher uploads photos into.",
  ),
  resultsContainer: defaulted(
    shaped(CONTAINER_NAME, CONTAINER_ACCEPTS),
    "results",
    "Blob container tasks upload result records, stdout and stderr into.",
  ),
  resultsRetentionDays: defaulted(
    integer(...between(1, 36500)),
    30,
    "A lifecycle rule deletes results this many days after they were last modified.",
  ),
  blobSoftDeleteDays: defaulted(
    integer(...between(1, 365)),
    7,
    "Deleted blobs and containers stay recoverable for this many days.",
  ),
  keepsData: defaulted(
    flag(),
    true,
    "The stack keeps photos and results - storage and its resource group are protected in Pulumi and the storage account has a CanNotDelete lock in Azure; false for a scratch stack (and, with pulumi up, the way to lift both before a deliberate destroy).",
  ),
  storageSharedKeyAccess: defaulted(
    flag(),
    false,
    "Allow shared-key (account key, account SAS) access to storage. Off - Entra ID only.",
  ),
  batchSharedKeyAccess: defaulted(
    flag(),
    false,
    "Let the Batch account accept Shared Key on the data plane besides Entra ID. Off - Entra ID only.",
  ),
  publicNetworkAccess: defaulted(
    flag(),
    true,
    "Public network access to the Batch account and storage account endpoints (Entra ID only either way); false needs privateNetwork true and then declares private endpoints (batchAccount, nodeManagement, blob) with privatelink DNS zones.",
  ),
  poolId: defaulted(
    shaped(BATCH_ID, "1–64 letters, digits, hyphens or underscores"),
    "ocr-pool",
    "Id of the Batch pool that runs the OCR tasks.",
  ),
  applicationId: defaulted(
    shaped(BATCH_ID, "1–64 letters, digits, hyphens or underscores"),
    "ocrworker",
    "Batch application id of the worker package.",
  ),
  vmSize: defaulted(
    vmSize(),
    "Standard_D2as_v5",
    "VM size of the pool's nodes; a current family (D/Ds/Dv2/Dsv2 and A are retired or retiring and refused).",
  ),
  taskSlotsPerNode: defaulted(
    integer(...between(1, 256)),
    2,
    "Tasks a node runs at once; one per core suits the single-threaded worker.",
  ),
  minNodes: defaulted(
    integer(z.gte(0, "must be 0 or more")),
    0,
    "Fewest nodes autoscale keeps; 0 lets an idle pool cost nothing.",
  ),
  maxNodes: defaulted(
    integer(z.gte(1, "must be at least 1")),
    4,
    "Most nodes autoscale allocates (dedicated plus Spot).",
  ),
  spotShare: defaulted(
    decimal(...between(0, 1)),
    0,
    "Share of the nodes (0..1) allocated as Spot; above 0 only with poolAllocationMode UserSubscription (Batch-service accounts get no Spot nodes).",
  ),
  poolAllocationMode: defaulted(
    oneOf(POOL_ALLOCATION_MODES, "BatchService or UserSubscription"),
    "BatchService",
    "BatchService (pool VMs in Batch's subscriptions) or UserSubscription (in this subscription; the only mode with Spot nodes; needs batchServicePrincipalObjectId and a subscription owner's steps first, see the README).",
  ),
  batchServicePrincipalObjectId: described(
    z.optional(shaped(GUID, ENTRA_OBJECT_ID)),
    "Object id of the Microsoft Azure Batch service principal in this tenant (az ad sp show --id ddbf3205-c6bd-46ae-8127-60eb93363864 --query id -o tsv); required with poolAllocationMode UserSubscription, granted the secrets of the account's Key Vault.",
  ),
  autoscaleIntervalMinutes: defaulted(
    integer(...between(5, 168 * 60, "must be at least 5 (Batch's minimum) and at most 10080")),
    5,
    "How often Batch evaluates the autoscale formula, in minutes (at least 5).",
  ),
  nodeFillType: defaulted(
    oneOf(NODE_FILL_TYPES, "Spread or Pack"),
    "Pack",
    "Spread tasks over nodes or Pack them onto few (Pack lets autoscale release idle nodes sooner).",
  ),
  startTaskRetries: defaulted(
    integer(...between(0, 100)),
    3,
    "Retries of the start task that installs ImageMagick, Tesseract and Node.js.",
  ),
  privateNetwork: defaulted(
    flag(),
    false,
    "Put the pool in a new virtual network with no public IP addresses on its nodes (outbound through a NAT gateway).",
  ),
  vnetAddressSpace: defaulted(cidrBlock(), "10.40.0.0/16", "Address space of that virtual network."),
  subnetPrefix: defaulted(cidrBlock(), "10.40.0.0/24", "Address prefix of the pool's subnet."),
  endpointSubnetPrefix: defaulted(
    cidrBlock(),
    "10.40.1.0/24",
    "Address prefix of the private endpoints' subnet in the same virtual network (used when publicNetworkAccess is false).",
  ),
  operatorPrincipalId: described(
    z.optional(shaped(GUID, ENTRA_OBJECT_ID)),
    "Optional Entra ID object id of the operator who runs npm run ocr; gets write on images and read on results.",
  ),
  operatorPrincipalType: defaulted(
    oneOf(
      PRINCIPAL_TYPES,
      PRINCIPAL_TYPES.join(", "),
      "; it must match what operatorPrincipalId is, or ARM refuses the role assignment",
    ),
    "User",
    "What operatorPrincipalId is - User, Group or ServicePrincipal; ARM refuses a role assignment whose principal type does not match (UnmatchedPrincipalType).",
  ),
  logAnalyticsWorkspaceId: described(
    z.optional(
      shaped(
        WORKSPACE_ID_SHAPE,
        "a Log Analytics workspace's resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name> " +
          "(az monitor log-analytics workspace show --query id)",
      ),
    ),
    "Optional resource id of an existing Log Analytics workspace; the Batch account's logs (ServiceLog, AuditLog) and metrics and the blob service's logs (StorageRead, StorageWrite, StorageDelete) and Transaction metrics are sent there. Unset - no diagnostic settings.",
  ),
};

type ConfigKey = keyof typeof KEYS;

const keysSchema = z.strictObject(KEYS);
export type OcrConfig = z.output<typeof keysSchema>;

/** Every key, in declaration order; infra/index.ts reads these from Pulumi's Config. */
export const CONFIG_KEYS = Object.keys(KEYS) as readonly ConfigKey[];

/** Batch refuses a pool with more task slots than 4 × the size's vCPUs, so `pulumi up` would fail on it. */
function taskSlotProblems(vmSize: string, taskSlotsPerNode: number): string[] {
  const vcpus = vcpusOf(vmSize);
  if (vcpus === undefined) {
    return [
      `taskSlotsPerNode cannot be checked: vmSize ${vmSize} carries no vCPU count in its name (Azure sizes do, e.g. Standard_D2as_v5 has 2), so Batch's limit of 4 × vCPUs is unknown`,
    ];
  }
  const limit = taskSlotLimit(vcpus);
  if (taskSlotsPerNode <= limit) return [];
  return [
    `taskSlotsPerNode ${taskSlotsPerNode} is more than Batch allows on ${vmSize} (${vcpus} vCPUs): at most ${limit} (4 × vCPUs, never above 256); lower it or pick a larger size`,
  ];
}

/** The namePrefix as Azure will see it in the prefixed resources' names, suffix included, against its rules. */
function autonameProblems(c: OcrConfig): string[] {
  const names = prefixedNames(c.namePrefix);
  return (Object.keys(names) as (keyof typeof names)[]).flatMap((which) => {
    const problem = azureNameProblem(PREFIXED_TYPES[which], autonamed(names[which]));
    return problem === undefined ? [] : [`namePrefix ${c.namePrefix}: ${problem} (with Pulumi's autoname suffix)`];
  });
}

/** The virtual network's blocks: the subnets inside the address space and apart (only checked when the network is declared). */
function addressProblems(c: OcrConfig): string[] {
  const [space, pool, endpoints] = [c.vnetAddressSpace, c.subnetPrefix, c.endpointSubnetPrefix].map(rangeOf);
  if (!c.privateNetwork || space === undefined || pool === undefined || endpoints === undefined) return [];
  const problems: string[] = [];
  const used = c.publicNetworkAccess
    ? ([["subnetPrefix", pool]] as const)
    : ([
        ["subnetPrefix", pool],
        ["endpointSubnetPrefix", endpoints],
      ] as const);
  for (const [key, range] of used) {
    if (!contains(space, range))
      problems.push(
        `${key} ${c[key]} lies outside vnetAddressSpace ${c.vnetAddressSpace}; Azure refuses a subnet outside its virtual network`,
      );
  }
  if (!c.publicNetworkAccess && overlaps(pool, endpoints)) {
    problems.push(
      `endpointSubnetPrefix ${c.endpointSubnetPrefix} overlaps subnetPrefix ${c.subnetPrefix}; the private endpoints need a subnet of their own`,
    );
  }
  return problems;
}

/** What user-subscription allocation needs from config, and what it rules out. */
function allocationModeProblems(c: OcrConfig): string[] {
  if (c.poolAllocationMode !== "UserSubscription") return [];
  const problems: string[] = [];
  if (c.batchServicePrincipalObjectId === undefined) {
    problems.push(
      "poolAllocationMode UserSubscription needs batchServicePrincipalObjectId, the object id of the Microsoft Azure Batch service principal in this tenant, " +
        `which gets the account's Key Vault secrets (az ad sp show --id ${BATCH_SERVICE_APP_ID} --query id -o tsv)`,
    );
  }
  if (c.batchSharedKeyAccess) problems.push(USER_SUBSCRIPTION_ENTRA_ONLY);
  return problems;
}

/**
 * A check across keys, run once the keys it reads are valid, so that every other problem is
 * still reported in the same pass. Its messages name the keys themselves.
 */
function across(keys: readonly ConfigKey[], problems: (c: OcrConfig) => string[]) {
  return z.check<OcrConfig>(
    (payload) => {
      for (const message of problems(payload.value))
        payload.issues.push({ code: "custom", message, input: payload.value });
    },
    { when: (payload) => !payload.issues.some((issue) => keys.includes(issue.path?.[0] as ConfigKey)) },
  );
}

const configSchema = keysSchema.check(
  across(["namePrefix"], autonameProblems),
  across(["imagesContainer", "resultsContainer"], (c) =>
    c.imagesContainer === c.resultsContainer ? ["imagesContainer and resultsContainer must differ"] : [],
  ),
  across(["vmSize"], retiredSizeProblems),
  across(["vmSize", "taskSlotsPerNode"], (c) => taskSlotProblems(c.vmSize, c.taskSlotsPerNode)),
  across(["minNodes", "maxNodes"], (c) =>
    c.maxNodes < c.minNodes ? [`maxNodes (${c.maxNodes}) must not be below minNodes (${c.minNodes})`] : [],
  ),
  across(["spotShare", "poolAllocationMode"], (c) =>
    c.spotShare > 0 && c.poolAllocationMode === "BatchService"
      ? [`spotShare ${c.spotShare} cannot deploy: ${SPOT_NEEDS_USER_SUBSCRIPTION}`]
      : [],
  ),
  across(["poolAllocationMode", "batchServicePrincipalObjectId", "batchSharedKeyAccess"], allocationModeProblems),
  across(["publicNetworkAccess", "privateNetwork"], (c) =>
    c.publicNetworkAccess === false && !c.privateNetwork ? [PRIVATE_ACCESS_NEEDS_NETWORK] : [],
  ),
  across(
    ["privateNetwork", "publicNetworkAccess", "vnetAddressSpace", "subnetPrefix", "endpointSubnetPrefix"],
    addressProblems,
  ),
);

/** The keys' documentation, types and defaults as JSON Schema (what Pulumi.yaml's config schema must say). */
export function configJsonSchema(): Record<ConfigKey, { type?: string; default?: unknown; description?: string }> {
  const schema = z.toJSONSchema(keysSchema, { io: "output", unrepresentable: "any" }) as {
    properties: Record<ConfigKey, { type?: string; default?: unknown; description?: string }>;
  };
  return schema.properties;
}

/**
 * Turns a stack's raw config (values as YAML gives them, or strings as Pulumi's Config gives them;
 * keys with or without the `batch-ocr:` prefix) into a validated OcrConfig. Every problem is
 * reported at once, each naming the key and what it needs.
 */
export function parseConfig(raw: Record<string, unknown>, stack = "the stack"): OcrConfig {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    // Other namespaces (azure-native:location...) belong to their providers; an empty value is an unset one.
    if (k.includes(":") && !k.startsWith(`${PROJECT}:`)) continue;
    if (v !== undefined && v !== null && v !== "")
      values[k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k] = v;
  }
  const checked = configSchema.safeParse(values);
  if (checked.success) return checked.data;
  const problems = problemLines(checked.error.issues, {
    field: (key) => `${PROJECT}:${key}`,
    unknown: (key) => `unknown key ${PROJECT}:${key}`,
  });
  throw new ConfigError(`invalid configuration for ${stack}:\n  - ${problems.join("\n  - ")}`);
}

/** Reads `Pulumi.<stack>.yaml` from the project directory and parses its `config:` map. */
export function loadStackConfig(stack: string, projectDir: string): OcrConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`no stack file ${file} (is "${stack}" a stack of this project?)`);
  }
  const doc = (parseYaml(text) ?? {}) as { config?: Record<string, unknown> };
  return parseConfig(doc.config ?? {}, `stack ${stack} (${file})`);
}
