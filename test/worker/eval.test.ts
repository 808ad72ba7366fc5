import { execFileSync } from "node:child_process";
import path from "node:path";
import { RESULT_SCHEMA, type ResultRecord } from "../../contracts/result-record";
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { formatReport, score, truthFromName, type EvalReport } from "../../worker/eval";

const ROOT = path.join(__dirname, "..", "..");

function rec(photo: string, status: ResultRecord["status"], reading: string | null): ResultRecord {
  return {
    schema: RESULT_SCHEMA,
    photo,
    status,
    reading,
    confidence: 0.9,
    rawText: "",
    error: null,
    mode: "profile",
    timings: { convertMs: 0, ocrMs: 0, totalMs: 0 },
  };
}

describe("accuracy report", () => {
  test("truth from a file name is the integer part of its number", () => {
    expect(truthFromName("530.95675.jpg")).toBe(530);
    expect(truthFromName("/x/00521.jpg")).toBe(521);
    expect(truthFromName("meter-001.jpg")).toBeUndefined();
  });

  test("scores exact, unreadable, wrong and errors apart", () => {
    const report = score(
      [
        rec("a", "ok", "00530"),
        rec("b", "ok", "00531"),
        rec("c", "unreadable", null),
        rec("d", "error", null),
        rec("e", "ok", "1"),
      ],
      (p) => ({ a: 530, b: 530, c: 530, d: 530 })[p],
    );
    expect(report).toMatchObject({ photos: 5, exact: 1, wrong: 1, unreadable: 1, errors: 1, noTruth: 1 });
    // Of the 4 with a known reading, 2 were accepted (marked ok), and 1 of those was right.
    expect(report).toMatchObject({ accepted: 2, coverage: 0.5, precision: 0.5 });
    expect(formatReport(report, 1)).toMatch(
      /^accepted {6}2 {2}\(coverage 50\.0%; precision 50\.0%: exact of accepted\)$/m,
    );
    // Nothing accepted: no precision to speak of.
    expect(score([rec("c", "unreadable", null)], () => 530)).toMatchObject({
      accepted: 0,
      coverage: 0,
      precision: null,
    });
    expect(report.misses.map((m) => m.photo)).toEqual(["b", "c", "d"]);
  });

  test("the bundled samples: no wrong reading, square wheels read exactly, wheels between two digits read as the lower digit or unreadable", () => {
    const out = execFileSync(
      process.execPath,
      [
        require.resolve("tsx/cli"),
        "worker/eval-cli.ts",
        "--input",
        "samples",
        "--profile",
        "samples/profile.json",
        "--truth",
        "samples/truth.csv",
        "--json",
        "--concurrency",
        "2",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    const report = JSON.parse(out) as EvalReport;
    const rows = parse(readFileSync(path.join(ROOT, "samples", "truth.csv"), "utf8"), { columns: true }) as {
      photo: string;
      reading: string;
      turn: string;
    }[];
    expect(report).toMatchObject({ photos: rows.length, wrong: 0, errors: 0, noTruth: 0 });
    const missed = new Set(report.misses.map((m) => m.photo));
    // A last wheel square on its digit (or barely turned) must read exactly.
    const square = rows.filter((r) => Number(r.turn) < 0.15);
    expect(square.length).toBeGreaterThan(0);
    expect(square.filter((r) => missed.has(r.photo))).toEqual([]);
    // Of the wheels caught between two digits, some must read (as the lower digit): the set has them.
    const turned = rows.filter((r) => Number(r.turn) >= 0.15);
    expect(turned.filter((r) => !missed.has(r.photo)).length).toBeGreaterThan(0);
    expect(report.misses.every((m) => m.status === "unreadable" && m.error)).toBe(true);
  });

  test("a missing input folder is a clear error", () => {
    let stderr = "";
    try {
      execFileSync(process.execPath, [require.resolve("tsx/cli"), "worker/eval-cli.ts", "--input", "no-such-dir"], {
        cwd: ROOT,
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (err) {
      stderr = (err as { stderr: string }).stderr;
    }
    expect(stderr).toMatch(/^eval: .*no-such-dir/m);
  });
});
