/**
 * The stack outputs: the only thing the dispatcher knows of a deployment.
 *
 * The same JSON shape comes from `pulumi stack output --json`, from an `--outputs FILE`, and from
 * the local cloud (where the endpoints point at 127.0.0.1). No secret is ever part of it:
 * credentials come from Microsoft Entra ID, or, locally, from the local cloud itself.
 */

import * as z from "zod/mini";
import { problemLines, quoted } from "./schema-problems";

const AUTH_MODES = ["AAD", "SharedKey", "TaskAuthenticationToken"] as const;

/** How a client may authenticate to the Batch account, as Batch names the modes. */
export type BatchAuthMode = (typeof AUTH_MODES)[number];

/** The one message for an absent, null or empty output; parseStackOutputs gathers them into one line. */
const MISSING = "is missing";

/** A non-empty string; absent, null and "" all mean the stack did not export it. */
function text() {
  return z
    .string({ error: (issue) => (issue.input === undefined || issue.input === null ? MISSING : "must be a string") })
    .check(z.minLength(1, MISSING));
}

/** An endpoint with scheme: the clients need the URL whole, not a host name. */
function endpoint() {
  return text().check(
    z.regex(/^https?:\/\/[^\s/]+/, { error: (issue) => `must be a URL with scheme (got ${quoted(issue.input)})` }),
  );
}

const stackOutputsSchema = z.object(
  {
    /** Batch account name, e.g. `batchocrdev1a2b3c`. */
    batchAccountName: text(),
    /** Batch data-plane endpoint with scheme, e.g. `https://acct.westeurope.batch.azure.com`. */
    batchAccountEndpoint: endpoint(),
    /** Authentication modes the Batch account accepts on the data plane. */
    batchAuthModes: z
      .array(
        z.enum(AUTH_MODES, { error: (issue) => `must be one of ${AUTH_MODES.join("/")} (got ${quoted(issue.input)})` }),
        {
          error: (issue) =>
            issue.input === undefined || issue.input === null
              ? MISSING
              : `must be a non-empty array of ${AUTH_MODES.join("/")}`,
        },
      )
      .check(z.minLength(1)),
    /** The pool that runs the OCR tasks. */
    poolId: text(),
    /** Storage account that holds photos and results. */
    storageAccountName: text(),
    /** Blob service endpoint with scheme and trailing slash, e.g. `https://acct.blob.core.windows.net/`. */
    blobEndpoint: endpoint(),
    /** Whether the storage account accepts shared-key (account key / account SAS) requests. */
    storageSharedKeyAccess: z.boolean({
      error: (issue) => (issue.input === undefined || issue.input === null ? MISSING : "must be a boolean"),
    }),
    /** Container the dispatcher uploads photos into. */
    imagesContainer: text(),
    /** Container the tasks upload result records, stdout and stderr into. */
    resultsContainer: text(),
    /** Batch application id of the OCR worker package. */
    applicationId: text(),
    /** Active package version (a content hash of the worker bundle). */
    applicationVersion: text(),
    /** Resource id of the pool's user-assigned identity (for `identityReference`). */
    poolIdentityResourceId: text(),
    /** Client id of the pool's user-assigned identity. */
    poolIdentityClientId: text(),
    /** Azure region, e.g. `westeurope` (`local` for the local cloud). */
    location: text(),
    /** Resource group name (`local` for the local cloud). */
    resourceGroupName: text(),
  },
  "stack outputs must be a JSON object",
);

export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Every key of StackOutputs, in a stable order (used to validate and to document). */
export const STACK_OUTPUT_KEYS = Object.keys(stackOutputsSchema.shape) as readonly (keyof StackOutputs)[];

export class StackOutputsError extends Error {
  override name = "StackOutputsError";
}

/**
 * Checks an untyped value (parsed JSON) against the contract and returns it typed, without keys
 * the contract does not name. `source` names where it came from, so the message tells the
 * operator which file or stack is wrong.
 */
export function parseStackOutputs(value: unknown, source: string): StackOutputs {
  const checked = stackOutputsSchema.safeParse(value);
  if (checked.success) return checked.data;
  const missing = checked.error.issues.filter((issue) => issue.message === MISSING);
  // Missing outputs usually mean an old or half-deployed stack: said first, in one line.
  if (missing.length > 0)
    throw new StackOutputsError(
      `${source}: stack outputs are missing ${missing.map((issue) => issue.path.join(".")).join(", ")}`,
    );
  throw new StackOutputsError(`${source}: ${problemLines(checked.error.issues).join("; ")}`);
}
