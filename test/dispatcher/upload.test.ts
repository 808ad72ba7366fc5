import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startAzurite, type Azurite } from "../../local/azurite";
import { findPhotos } from "../../tasks/photos";
import type { Progress } from "../../tasks/progress";
import { taskSasUrls } from "../../tasks/sas";
import { uploadPhotos } from "../../tasks/upload";

const SAMPLES = path.join(__dirname, "..", "..", "samples");

describe("photos and task access in blob storage (Azurite)", () => {
  let azurite: Azurite;
  let dir: string;
  let container: ContainerClient;

  beforeAll(async () => {
    // On disk in a temp directory that stop() removes (with inMemory, startAzurite leaves an empty temp directory behind).
    azurite = await startAzurite();
    dir = await mkdtemp(path.join(tmpdir(), "upload-"));
    await mkdir(path.join(dir, "site b"));
    for (const n of ["meter-001.jpg", "meter-002.jpg", "meter-003.jpg"])
      await copyFile(path.join(SAMPLES, n), path.join(dir, n));
    await copyFile(path.join(SAMPLES, "meter-004.jpg"), path.join(dir, "site b", "Meter 4.JPG"));
    await copyFile(path.join(SAMPLES, "meter-001.jpg"), path.join(dir, "site b", "same-as-001.jpg"));
    await writeFile(path.join(dir, "notes.txt"), "not a photo");
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("images");
    await container.create();
  });
  afterAll(async () => {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("photos go up under content-addressed names once; a second run sends nothing", async () => {
    const { photos, ignored } = await findPhotos(dir);
    expect(photos.map((p) => p.name)).toEqual([
      "meter-001.jpg",
      "meter-002.jpg",
      "meter-003.jpg",
      "site b/Meter 4.JPG",
      "site b/same-as-001.jpg",
    ]);
    expect(ignored).toEqual([{ name: "notes.txt", kind: "not a photo", reason: "not a photo" }]);
    const updates: number[] = [];
    const progress = (): Progress => ({ update: (v) => void updates.push(v), stop: () => undefined });

    const first = await uploadPhotos(container, photos, { concurrency: 2, progress });
    const totalBytes = photos.filter((p) => p.name !== "site b/same-as-001.jpg").reduce((n, p) => n + p.size, 0);
    expect(first).toEqual({ uploaded: 4, skipped: 0, bytesSent: totalBytes });
    expect(updates.at(-1)).toBe(totalBytes);

    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ includeMetadata: true })) {
      names.push(b.name);
      expect(b.name).toMatch(/^photos\/[0-9a-f]{64}\.(jpg)$/);
    }
    expect(names.sort()).toEqual([...new Set(photos.map((p) => p.blobName))].sort());
    const meta = await container
      .getBlobClient(photos.find((p) => p.name === "site b/Meter 4.JPG")!.blobName)
      .getProperties();
    expect(decodeURIComponent(meta.metadata?.originalname ?? "")).toBe("site b/Meter 4.JPG");

    const second = await uploadPhotos(container, photos);
    expect(second).toEqual({ uploaded: 0, skipped: 4, bytesSent: 0 });
  });

  test("task SAS URLs: read and list the photos only, create and write the results only, short-lived", async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient("results").createIfNotExists();
    const expiresOn = new Date(Date.now() + 30 * 60_000);
    const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    const sas = await taskSasUrls(service, { images: "images", results: "results" }, expiresOn, key);
    const images = new ContainerClient(sas.imagesUrlWithSas);
    const results = new ContainerClient(sas.resultsUrlWithSas);
    expect(new URL(sas.imagesUrlWithSas).searchParams.get("sp")).toBe("rl");
    expect(new URL(sas.resultsUrlWithSas).searchParams.get("sp")).toBe("cw");
    expect(new Date(new URL(sas.imagesUrlWithSas).searchParams.get("se") ?? "").getTime()).toBeCloseTo(
      expiresOn.getTime(),
      -4,
    );

    const first = (await images.listBlobsFlat().next()).value as { name: string };
    expect((await images.getBlobClient(first.name).downloadToBuffer()).length).toBeGreaterThan(0);
    await expect(images.getBlockBlobClient("photos/new.jpg").upload("x", 1)).rejects.toMatchObject({ statusCode: 403 });
    await results.getBlockBlobClient("job/task/records.jsonl").upload("{}", 2);
    await expect(results.getBlobClient("job/task/records.jsonl").downloadToBuffer()).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(results.listBlobsFlat().next()).rejects.toMatchObject({ statusCode: 403 });
  });

  test("a missing or empty input is refused with a clear message", async () => {
    await expect(findPhotos(path.join(dir, "nope"))).rejects.toThrow(/input directory .*nope does not exist/);
    const empty = await mkdtemp(path.join(tmpdir(), "empty-"));
    await writeFile(path.join(empty, "readme.md"), "x");
    await expect(findPhotos(empty)).rejects.toThrow(
      /no photos in .* \(looked for \.jpg .*1 other file\(s\) ignored: readme\.md \(not a photo\)\)/,
    );
    await rm(empty, { recursive: true, force: true });
  });
});
