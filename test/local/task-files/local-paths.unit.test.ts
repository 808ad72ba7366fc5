/**
 * The check the file routes make before they read a task's directory: a directory a task swapped
 * for a link is refused, and one its retention is removing meanwhile is only gone, not swapped.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { swappedForLink } from "../../../local/task-files/local-paths";

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "local-paths-"));
});
afterEach(() => rm(base, { recursive: true, force: true }));

it("takes a directory that is now a link out of its base for swapped, and a real one or a missing one for not", async () => {
  const outside = await mkdtemp(path.join(os.tmpdir(), "local-paths-outside-"));
  await mkdir(path.join(base, "real"));
  await symlink(outside, path.join(base, "swapped"));
  expect(await swappedForLink(base, path.join(base, "real"))).toBe(false);
  expect(await swappedForLink(base, path.join(base, "swapped"))).toBe(true);
  expect(await swappedForLink(base, path.join(base, "never-made"))).toBe(false);
  await rm(outside, { recursive: true });
});

it("never takes a directory removed while it is checked for swapped (a retention cleanup under a listing)", async () => {
  // Checks run back to back while a directory of many files is removed; one falls between the
  // directory's lstat and its realpath in almost every round.
  const dir = path.join(base, "task");
  let checks = 0;
  const swapped: number[] = [];
  for (let round = 0; round < 40; round++) {
    await mkdir(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeFile(path.join(dir, `f${i}`), "x")));
    let removed = false;
    const removal = rm(dir, { recursive: true }).then(() => {
      removed = true;
    });
    while (!removed) {
      checks++;
      if (await swappedForLink(base, dir)) swapped.push(round);
    }
    await removal;
  }
  expect(checks).toBeGreaterThan(20);
  expect(swapped).toEqual([]);
});
