import { parse } from "csv-parse/sync";
import { resultsCsv, summaryTable, type PhotoResult } from "../../tasks/collect";

const row = (
  photo: string,
  status: PhotoResult["status"],
  reading: string | null,
  error: string | null = null,
): PhotoResult => ({
  photo,
  reading,
  confidence: reading ? 0.9 : null,
  status,
  error,
  taskId: "ocr-0-abc",
  rawText: "",
});

describe("results files and the terminal table", () => {
  test("the CSV round-trips names and errors with commas, quotes and newlines", () => {
    const rows = [
      row('site "a", b/1.jpg', "ok", "00123"),
      row("2.jpg", "error", null, "task failed:\nexit code 1, see stderr"),
    ];
    const parsed = parse(resultsCsv(rows), { columns: true }) as Record<string, string>[];
    expect(parsed).toEqual([
      {
        photo: 'site "a", b/1.jpg',
        reading: "00123",
        confidence: "0.9",
        status: "ok",
        error: "",
        task_id: "ocr-0-abc",
      },
      {
        photo: "2.jpg",
        reading: "",
        confidence: "",
        status: "error",
        error: "task failed:\nexit code 1, see stderr",
        task_id: "ocr-0-abc",
      },
    ]);
  });

  test("a long table shows the failed photos first and says how many more are in the CSV", () => {
    const rows = Array.from({ length: 150 }, (_, i) =>
      row(
        `p${i}.jpg`,
        i === 140 ? "unreadable" : "ok",
        i === 140 ? null : String(i),
        i === 140 ? "low confidence" : null,
      ),
    );
    const lines = summaryTable(rows, 100).split("\n");
    expect(lines).toHaveLength(1 + 100 + 1);
    expect(lines[1]).toMatch(/^p140\.jpg\s+-\s+-\s+unreadable: low confidence$/);
    expect(lines.at(-1)).toBe("... and 50 more photo(s) in results.csv");
    expect(summaryTable(rows.slice(0, 3)).split("\n")).toHaveLength(4);
  });
});
