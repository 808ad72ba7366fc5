/** Durations as Batch stores them (a .NET TimeSpan), so what a client reads back is what Azure returns. */
import { durationMs, normalisedDuration, UNLIMITED } from "../../local/batch/durations";

describe("normalisedDuration", () => {
  it.each([
    ["P3Y6M4DT12H30M5S", "P1279DT12H30M5S"],
    ["P1M", "P30D"],
    ["PT90M", "PT1H30M"],
    ["PT36H", "P1DT12H"],
    ["PT0S", "PT0S"],
    ["P0D", "PT0S"],
    ["PT1.500S", "PT1.5S"],
    [UNLIMITED, UNLIMITED],
  ])("stores %s as %s", (given, stored) => {
    expect(normalisedDuration(given)).toBe(stored);
  });

  it.each(["P", "PT", "1H", "PT1.12345678S", "P10675200D", "-PT1H"])("refuses %s", (text) => {
    expect(normalisedDuration(text)).toBeUndefined();
    expect(durationMs(text)).toBeUndefined();
  });

  it("reads years and months as 365 and 30 days, also past what one Node timer can wait", () => {
    expect(durationMs("P1Y")).toBe(365 * 86_400_000);
    expect(durationMs("P1M")).toBe(30 * 86_400_000);
    expect(durationMs(UNLIMITED)).toBe(Infinity);
    expect(durationMs("PT1M30S")).toBe(90_000);
    expect(durationMs("P1DT0.25S")).toBe(86_400_250);
  });
});
