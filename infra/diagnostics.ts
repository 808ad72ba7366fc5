import * as pulumi from "@pulumi/pulumi";
import type * as batch from "@pulumi/azure-native/batch";
import * as monitor from "@pulumi/azure-native/monitor";
import type { OcrConfig } from "../shared/config";
import type { Storage } from "./storage";

interface DiagnosticCategories {
  logs: readonly string[];
  metrics: readonly string[];
  /** Microsoft's list of the resource type's categories, where these were taken from. */
  source: string;
}

/**
 * Category names are the resource provider's, not the Monitor REST spec's (it takes any string),
 * and Azure refuses a setting that names one the resource does not have. Batch's `ServiceLogs`
 * (plural) is listed as deprecated beside `ServiceLog`, so it is not used.
 */
export const DIAGNOSTIC_CATEGORIES = {
  batchAccount: {
    logs: ["ServiceLog", "AuditLog"],
    metrics: ["AllMetrics"],
    source:
      "https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-batch-batchaccounts-logs",
  },
  blobService: {
    logs: ["StorageRead", "StorageWrite", "StorageDelete"],
    metrics: ["Transaction"],
    source:
      "https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-storage-storageaccounts-blobservices-logs",
  },
} as const satisfies Record<string, DiagnosticCategories>;

export const DIAGNOSTIC_SETTING_NAME = "batch-ocr-to-log-analytics";

function sendToWorkspace(
  name: string,
  resourceUri: pulumi.Input<string>,
  workspaceId: string,
  categories: DiagnosticCategories,
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(name, {
    name: DIAGNOSTIC_SETTING_NAME,
    resourceUri,
    workspaceId,
    logs: categories.logs.map((category) => ({ category, enabled: true })),
    metrics: categories.metrics.map((category) => ({ category, enabled: true })),
  });
}

/**
 * With `logAnalyticsWorkspaceId` set, the Batch account's service and audit logs (pool resizes,
 * task events, start-task failures) and the blob service's reads, writes and deletes go to that
 * workspace, so a failed run or a vanished photo can be traced afterwards. Off by default: the
 * workspace is the team's (retention, cost), not this stack's, and blob read logs grow with every
 * photo a task reads.
 */
export function createDiagnostics(
  cfg: OcrConfig,
  account: batch.BatchAccount,
  store: Storage,
): monitor.DiagnosticSetting[] {
  const workspaceId = cfg.logAnalyticsWorkspaceId;
  if (workspaceId === undefined) return [];
  return [
    sendToWorkspace("batch-account-diagnostics", account.id, workspaceId, DIAGNOSTIC_CATEGORIES.batchAccount),
    sendToWorkspace(
      "blob-service-diagnostics",
      pulumi.interpolate`${store.account.id}/blobServices/default`,
      workspaceId,
      DIAGNOSTIC_CATEGORIES.blobService,
    ),
  ];
}
