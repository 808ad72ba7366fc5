/**
 * One authenticated call to Azure Resource Manager, for the few management operations
 * `azure-native` does not declare (reading a package version's upload URL, activating it).
 */
import { DefaultAzureCredential } from "@azure/identity";

export const ARM_ENDPOINT = "https://management.azure.com";
/** Microsoft.Batch management API version of the application package calls. */
export const BATCH_MANAGEMENT_API_VERSION = "2024-07-01";

export type TokenSource = (scope: string) => Promise<string>;

/** Entra ID token for ARM from whatever `DefaultAzureCredential` finds (az login, managed identity...). */
export const defaultTokenSource: TokenSource = async (scope) => {
  const token = await new DefaultAzureCredential().getToken(scope);
  if (!token) throw new Error(`no Entra ID token for ${scope}: run \`az login\` or provide a managed identity`);
  return token.token;
};

export interface ArmOptions {
  /** Overridable for sovereign clouds and for tests. */
  armEndpoint?: string;
  apiVersion?: string;
  getToken?: TokenSource;
}

/** ARM's error body reduced to `code: message`, or the raw body when it is not ARM's JSON. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error) return `${parsed.error.code ?? "Error"}: ${parsed.error.message ?? ""}`;
  } catch {
    // Not JSON: keep the raw body.
  }
  return body;
}

/** `method {armEndpoint}{path}?api-version=…` with a bearer token; resolves to the parsed JSON body. */
export async function armRequest(
  method: "GET" | "POST",
  path: string,
  options: ArmOptions = {},
  body?: unknown,
): Promise<unknown> {
  const armEndpoint = (options.armEndpoint ?? ARM_ENDPOINT).replace(/\/+$/, "");
  const apiVersion = options.apiVersion ?? BATCH_MANAGEMENT_API_VERSION;
  const token = await (options.getToken ?? defaultTokenSource)(`${armEndpoint}/.default`);
  const response = await fetch(`${armEndpoint}${path}?api-version=${encodeURIComponent(apiVersion)}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} failed with HTTP ${response.status}: ${errorDetail(text)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
