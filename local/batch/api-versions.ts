/** Data-plane API versions the local service answers; others are refused as Batch refuses them. */
export const SUPPORTED_API_VERSIONS = [
  "2022-10-01.16.0",
  "2023-05-01.17.0",
  "2023-11-01.18.0",
  "2024-02-01.19.0",
  "2024-07-01.20.0",
  "2025-06-01",
] as const;

export const LATEST_API_VERSION = "2025-06-01";
