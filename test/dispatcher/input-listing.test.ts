import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { listInput } from "../../tasks/input-listing";
import { findPhotos, inputLines, readPhotos, type FoundPhotos } from "../../tasks/photos";

const SAMPLES = path.join(__dirname, "..", "..", "samples");
const PHOTO = path.join(SAMPLES, "meter-001.jpg");
// Root reads and lists what chmod 000 locks: as root, the cases that cannot be read take another way (below).
const IS_ROOT = process.getuid?.() === 0;

/** Every listing test must end in well under a second; a walk that loops fails on this. */
const QUICK_MS = 10_000;

/**
 * Root lists a chmod 000 folder, so as root the listing runs in a child process as `nobody`
 * (a real permission check, a few seconds for tsx to start).
 */
async function findPhotosAsNobody(base: string, input: string): Promise<FoundPhotos> {
  await chmod(base, 0o755);
  const script =
    "import(process.argv[1]).then((m) => (m.default ?? m).findPhotos(process.argv[2])).then((f) => process.stdout.write(JSON.stringify(f)))";
  const out = execFileSync(
    process.execPath,
    [require.resolve("tsx/cli"), "-e", script, path.join(__dirname, "..", "..", "tasks", "photos.ts"), input],
    { uid: 65534, gid: 65534, encoding: "utf8" },
  );
  return JSON.parse(out) as FoundPhotos;
}

const names = (entries: readonly { name: string }[]) => entries.map((e) => e.name);
const kindOf = (entries: readonly { name: string; kind: string }[], name: string) =>
  entries.find((e) => e.name === name)?.kind;

describe("what --input lists: each photo once, every other entry named with its reason", () => {
  let base: string;
  let input: string;
  let outside: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), "input-listing-"));
    input = path.join(base, "input");
    outside = path.join(base, "outside");
    await mkdir(path.join(input, "site"), { recursive: true });
    await mkdir(outside);
    await copyFile(PHOTO, path.join(input, "a.jpg"));
    await copyFile(PHOTO, path.join(input, "site", "b.jpg"));
  });
  afterEach(async () => {
    await chmod(path.join(input, "locked"), 0o755).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  test(
    "symlink loops end the walk with a line each, and no photo is listed twice",
    async () => {
      // A link back to the input itself, one back to a parent two levels up, and a link to itself.
      await symlink(".", path.join(input, "again"));
      await mkdir(path.join(input, "site", "deep"));
      await symlink("../..", path.join(input, "site", "deep", "up"));
      await symlink("self.jpg", path.join(input, "self.jpg"));
      // A loop outside the input, reached only with --follow-symlinks.
      await mkdir(path.join(outside, "more"));
      await copyFile(PHOTO, path.join(outside, "more", "c.jpg"));
      await symlink(path.join(outside, "more"), path.join(outside, "more", "round"));
      await symlink(path.join(outside, "more"), path.join(input, "more"));

      const found = await findPhotos(input, { followSymlinks: true });
      expect(names(found.photos)).toEqual(["a.jpg", "more/c.jpg", "site/b.jpg"]);
      expect(kindOf(found.ignored, "again")).toBe("symlink loop");
      expect(kindOf(found.ignored, "site/deep/up")).toBe("symlink loop");
      expect(kindOf(found.ignored, "self.jpg")).toBe("symlink loop");
      expect(kindOf(found.ignored, "more/round")).toBe("symlink loop");
      expect(found.notRead).toEqual([]);
    },
    QUICK_MS,
  );

  test("a link that leads out of the input is not followed unless asked; /etc/passwd is never read by default", async () => {
    await symlink("/etc/passwd", path.join(input, "passwd.jpg"));
    await copyFile(PHOTO, path.join(outside, "x.jpg"));
    await symlink(outside, path.join(input, "elsewhere"));

    const found = await findPhotos(input);
    expect(names(found.photos)).toEqual(["a.jpg", "site/b.jpg"]);
    expect(found.ignored.find((e) => e.name === "passwd.jpg")?.reason).toBe(
      "link leaves the input folder (to /etc/passwd); --follow-symlinks to follow",
    );
    expect(kindOf(found.ignored, "elsewhere")).toBe("link leaves the input folder");

    const followed = await findPhotos(input, { followSymlinks: true });
    expect(names(followed.photos)).toEqual(["a.jpg", "elsewhere/x.jpg", "passwd.jpg", "site/b.jpg"]);
  });

  test("dot files, dot folders, broken links, FIFOs and other files are named with why they were left out", async () => {
    await writeFile(path.join(input, ".hidden.jpg"), "x");
    await mkdir(path.join(input, ".thumbs"));
    await copyFile(PHOTO, path.join(input, ".thumbs", "x.jpg"));
    await symlink("nowhere.jpg", path.join(input, "dangling.jpg"));
    execFileSync("mkfifo", [path.join(input, "fifo.jpg")]);
    await writeFile(path.join(input, "site", "notes.txt"), "not a photo");

    const found = await findPhotos(input);
    expect(names(found.photos)).toEqual(["a.jpg", "site/b.jpg"]);
    expect(found.ignored.map((e) => [e.name, e.kind])).toEqual([
      [".hidden.jpg", "dot file"],
      [".thumbs/", "dot folder"],
      ["dangling.jpg", "broken link"],
      ["fifo.jpg", "not a regular file"],
      ["site/notes.txt", "not a photo"],
    ]);
    const lines = inputLines(input, found);
    expect(lines).toContain("ignored: fifo.jpg (not a regular file: a FIFO)");
    expect(lines).toContain("ignored: dangling.jpg (broken link: its target does not exist)");
    expect(lines.at(-1)).toBe(
      `input: 2 photo(s) in ${input}; 5 ignored (1 dot file, 1 dot folder, 1 broken link, 1 not a regular file, 1 not a photo)`,
    );
  });

  test("a photo reached by two paths inside the input is one photo, under the path that is not a link", async () => {
    await symlink("site/b.jpg", path.join(input, "alias.jpg"));
    await symlink("site", path.join(input, "site-again"));
    // `..odd/` is a (dot) folder inside the input, not its parent: a link into it stays inside.
    await mkdir(path.join(input, "..odd"));
    await copyFile(PHOTO, path.join(input, "..odd", "c.jpg"));
    await symlink("..odd/c.jpg", path.join(input, "c.jpg"));

    const found = await findPhotos(input);
    expect(names(found.photos)).toEqual(["a.jpg", "c.jpg", "site/b.jpg"]);
    expect(kindOf(found.ignored, "..odd/")).toBe("dot folder");
    expect(found.ignored.find((e) => e.name === "alias.jpg")?.reason).toBe(
      "listed under another path: the same file as site/b.jpg",
    );
    expect(found.ignored.find((e) => e.name === "site-again")?.reason).toBe(
      "link to the folder site/ in the input: its photos are listed under that path",
    );
  });

  test("a photo that cannot be read is reported as not read and the others are still read", async () => {
    if (IS_ROOT) {
      // Root reads a chmod 000 file; /proc/self/mem fails every read at offset 0 with EIO, for root too.
      await symlink("/proc/self/mem", path.join(input, "broken-disk.jpg"));
    } else {
      await copyFile(PHOTO, path.join(input, "broken-disk.jpg"));
      await chmod(path.join(input, "broken-disk.jpg"), 0o000);
    }
    const found = await findPhotos(input, { followSymlinks: true });
    expect(names(found.photos)).toEqual(["a.jpg", "site/b.jpg"]);
    expect(found.notRead).toEqual([
      {
        name: "broken-disk.jpg",
        reason: expect.stringMatching(
          /^cannot read the photo: (input\/output error \(EIO\)|permission denied \(EACCES\)); it was not uploaded$/,
        ),
      },
    ]);
  });

  test(
    "a photo gone or replaced by a FIFO between the listing and the reading is reported, and the run does not block",
    async () => {
      await copyFile(PHOTO, path.join(input, "c.jpg"));
      const listing = await listInput(input);
      expect(names(listing.files)).toEqual(["a.jpg", "c.jpg", "site/b.jpg"]);
      await rm(path.join(input, "c.jpg"));
      await rm(path.join(input, "a.jpg"));
      execFileSync("mkfifo", [path.join(input, "a.jpg")]);

      const read = await readPhotos(listing.files);
      expect(names(read.photos)).toEqual(["site/b.jpg"]);
      expect(read.notRead).toEqual([
        {
          name: "a.jpg",
          reason:
            "cannot read the photo: not a regular file any more (replaced since it was listed); it was not uploaded",
        },
        { name: "c.jpg", reason: "cannot read the photo: no longer there (ENOENT); it was not uploaded" },
      ]);
    },
    QUICK_MS,
  );

  test("a folder that cannot be listed is reported as not read and the others are still read", async () => {
    await mkdir(path.join(input, "locked"));
    await copyFile(PHOTO, path.join(input, "locked", "c.jpg"));
    await chmod(path.join(input, "locked"), 0o000);
    const found = IS_ROOT ? await findPhotosAsNobody(base, input) : await findPhotos(input);
    expect(names(found.photos)).toEqual(["a.jpg", "site/b.jpg"]);
    expect(found.notRead).toEqual([
      { name: "locked/", reason: "cannot list the folder: permission denied (EACCES); the photos in it were not read" },
    ]);
  }, 30_000);
});
