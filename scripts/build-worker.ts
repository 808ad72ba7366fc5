import { buildWorkerPackage } from "../worker/package";

buildWorkerPackage()
  .then((pkg) => console.log(`worker package ${pkg.version}: ${pkg.zipPath}`))
  .catch((err: unknown) => {
    console.error(`build failed: ${(err as Error).message}`);
    process.exit(1);
  });
