import type { BlobHTTPHeaders } from "@azure/storage-blob";
import { userError, type HttpHeader } from "./types";

/** What an output file's uploadHeaders set on the blob (Put Blob request headers, as Batch passes them on). */
export interface UploadSettings {
  blobHTTPHeaders: BlobHTTPHeaders;
  metadata: Record<string, string>;
  tags?: Record<string, string>;
  tier?: string;
}

const PROPERTY_HEADERS: Record<string, keyof BlobHTTPHeaders> = {
  "content-type": "blobContentType",
  "content-encoding": "blobContentEncoding",
  "content-language": "blobContentLanguage",
  "content-disposition": "blobContentDisposition",
  "cache-control": "blobCacheControl",
  "content-md5": "blobContentMD5",
};

function parseTags(value: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(value));
}

/**
 * Maps uploadHeaders to blob settings. A header the local service cannot apply is refused (the task fails
 * with FileUploadMiscError) rather than dropped, so nobody relies on a header that silently did nothing.
 */
export function uploadSettings(headers: readonly HttpHeader[] | undefined): UploadSettings {
  const settings: UploadSettings = { blobHTTPHeaders: {}, metadata: {} };
  for (const { name, value = "" } of headers ?? []) {
    const key = name.trim().toLowerCase();
    const property = PROPERTY_HEADERS[key.replace(/^x-ms-blob-/, "")];
    if (property === "blobContentMD5") settings.blobHTTPHeaders.blobContentMD5 = Buffer.from(value, "base64");
    else if (property) settings.blobHTTPHeaders[property] = value;
    else if (key.startsWith("x-ms-meta-") && key.length > "x-ms-meta-".length)
      settings.metadata[name.trim().slice("x-ms-meta-".length)] = value;
    else if (key === "x-ms-access-tier") settings.tier = value;
    else if (key === "x-ms-tags") settings.tags = parseTags(value);
    else {
      throw userError(
        "FileUploadMiscError",
        "An upload header of an output file is not supported by the local Batch service",
        {
          HeaderName: name,
          Supported:
            "Content-Type, Content-Encoding, Content-Language, Content-Disposition, Cache-Control, Content-MD5 (also as x-ms-blob-*), x-ms-meta-*, x-ms-access-tier, x-ms-tags",
        },
      );
    }
  }
  return settings;
}
