import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { photosIn, skippedLine } from "../../shared/photo-files";

describe("photosIn", () => {
  let root: string;
  let dir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "photo-files-"));
    dir = path.join(root, "eval");
    await mkdir(path.join(root, "dataset"), { recursive: true });
    await mkdir(path.join(dir, "sub"), { recursive: true });
    await writeFile(path.join(root, "dataset", "520.9.jpg"), "jpeg");
    await writeFile(path.join(dir, "530.1.JPG"), "jpeg");
    await writeFile(path.join(dir, "notes.txt"), "notes");
    await writeFile(path.join(dir, ".thumb.jpg"), "jpeg");
    await symlink(path.join(root, "dataset", "520.9.jpg"), path.join(dir, "520.9.jpg"));
    await symlink(path.join(root, "dataset", "gone.jpg"), path.join(dir, "gone.jpg"));
    await symlink(path.join(root, "dataset"), path.join(dir, "folder.jpg"));
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it("reads a photo through a link, as an evaluation folder of links into a dataset needs", async () => {
    const { photos } = await photosIn(dir);
    expect(photos).toEqual([path.join(dir, "520.9.jpg"), path.join(dir, "530.1.JPG")]);
  });

  it("names every other entry with why it is left out, and leaves dot files unnamed", async () => {
    const { skipped } = await photosIn(dir);
    expect(skipped.map((s) => s.name)).toEqual(["folder.jpg", "gone.jpg", "notes.txt", "sub"]);
    expect(skipped.find((s) => s.name === "gone.jpg")?.reason).toMatch(/link that leads nowhere \(ENOENT\)/);
    expect(skipped.find((s) => s.name === "folder.jpg")?.reason).toMatch(/link to something other than a file/);
    expect(skipped.find((s) => s.name === "notes.txt")?.reason).toMatch(/^not a photo/);
    expect(skipped.find((s) => s.name === "sub")?.reason).toMatch(/^a folder/);
  });

  it("says in one line how many were left out and which", async () => {
    const { skipped } = await photosIn(dir);
    const line = skippedLine(dir, skipped);
    expect(line).toContain(`left out 4 entries of ${dir}`);
    expect(line).toContain("folder.jpg: a link to something other than a file");
    expect(line).toContain("; and 1 more");
  });
});
