import * as resources from "@pulumi/azure-native/resources";
import type { OcrConfig } from "../shared/config";
import { keepsDataOptions } from "./keeps-data";
import { prefixedNames } from "../shared/names";

/** Protected like the storage inside it (when the stack keeps data): deleting a resource group deletes every resource in it. */
export function createResourceGroup(cfg: OcrConfig): resources.ResourceGroup {
  return new resources.ResourceGroup(
    prefixedNames(cfg.namePrefix).resourceGroup,
    { location: cfg.location },
    keepsDataOptions(cfg),
  );
}
