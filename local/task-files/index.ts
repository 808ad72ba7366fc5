export * from "./types";
export {
  downloadResourceFiles,
  validateResourceFile,
  DEFAULT_FILE_MODE,
  DEFAULT_STALL_TIMEOUT_MS,
  type DownloadOptions,
} from "./resource-files";
export { uploadOutputFiles, UPLOAD_LOG, UPLOAD_ERROR_LOG, type UploadContext } from "./output-files";
export { installApplicationPackage } from "./application-packages";
