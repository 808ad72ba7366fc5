/**
 * The worker limits ImageMagick itself: on a node whose policy.xml sets no limits, a photo far
 * wider than any camera's is refused with ImageMagick's own error, not decoded. The permissive
 * node is real: the worker runs in a private mount namespace where an empty policy is bound over
 * the host's /etc/ImageMagick-6/policy.xml (the host's file is not touched).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const POLICY = "/etc/ImageMagick-6/policy.xml";

/** Whether this machine lets the test make a private mount namespace (root, unshare) and has the policy to cover. */
const canCoverPolicy =
  spawnSync("unshare", ["-m", "true"]).status === 0 && spawnSync("test", ["-f", POLICY]).status === 0;
const wherePolicyCanBeCovered = canCoverPolicy ? test : test.skip;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "magick-limits-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a shell command where the host's ImageMagick policy is an empty one. */
function onPermissiveNode(command: string): { status: number | null; stdout: string; stderr: string } {
  const empty = path.join(dir, "policy.xml");
  writeFileSync(empty, "<policymap></policymap>\n");
  const script = `mount --make-rprivate / && mount --bind ${empty} ${POLICY} && ${command}`;
  return spawnSync("unshare", ["-m", "sh", "-c", script], { cwd: ROOT, encoding: "utf8" });
}

wherePolicyCanBeCovered(
  "a 20,000 pixel wide photo on a node without ImageMagick limits is refused by the worker's own",
  () => {
    // Without its policy the node would take any width: the worker's limits are all that stand.
    expect(onPermissiveNode("identify -list resource").stdout).not.toMatch(/Width: 16KP/);

    const photo = path.join(dir, "wide.pgm");
    const [width, height] = [20_000, 100];
    writeFileSync(
      photo,
      Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), Buffer.alloc(width * height, 200)]),
    );
    const out = path.join(dir, "out");
    onPermissiveNode(`node --import tsx worker/main.ts --out ${out} ${photo}`);
    const [record] = readFileSync(path.join(out, "records.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { status: string; error: string });
    expect(record).toMatchObject({ status: "error", error: expect.stringMatching(/width or height exceeds limit/) });
  },
);
