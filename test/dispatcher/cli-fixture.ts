/** What the dispatcher CLI's usage tests read: a folder with one photo, an empty one, and an outputs file missing most fields. */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./run-cli";

export interface CliFixture {
  dir: string;
  photos: string;
  empty: string;
  partialOutputs: string;
}

/** Made before the file's tests and removed after them; its fields are set once beforeAll has run. */
export function useCliFixture(): CliFixture {
  const fixture: CliFixture = { dir: "", photos: "", empty: "", partialOutputs: "" };
  beforeAll(async () => {
    fixture.dir = await mkdtemp(path.join(tmpdir(), "ocr-cli-"));
    fixture.photos = path.join(fixture.dir, "photos");
    fixture.empty = path.join(fixture.dir, "empty");
    await mkdir(fixture.photos);
    await mkdir(fixture.empty);
    await copyFile(path.join(ROOT, "samples", "meter-001.jpg"), path.join(fixture.photos, "a.jpg"));
    fixture.partialOutputs = path.join(fixture.dir, "outputs.json");
    await writeFile(
      fixture.partialOutputs,
      JSON.stringify({ batchAccountName: "a", batchAccountEndpoint: "https://a.westeurope.batch.azure.com" }),
    );
  });
  afterAll(async () => {
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
