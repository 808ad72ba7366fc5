/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The report page's script, bundled for the browser by esbuild when the report is written
 * (page-bundle.ts): filters, sorting, and the review of refused photos exported as a copy of
 * results.csv with a `reviewed` column, all in the page, with no server.
 *
 * The lib references above give it the DOM's types. TypeScript applies them to the whole program
 * (one tsconfig), so Node code sees DOM globals too; a second tsconfig for this file alone was
 * tried and dropped, since the browser test's page callbacks need the same types.
 */
import { csvText } from "../results-csv";
import {
  DATA_ELEMENT_ID,
  matchesFilter,
  REVIEWED_COLUMN,
  FILTERS,
  type Filter,
  type PageData,
  type PageRow,
  type Sort,
} from "./page-data";

const data = JSON.parse(document.getElementById(DATA_ELEMENT_ID)?.textContent ?? "null") as PageData;
const byPhoto = new Map(data.rows.map((r) => [r.photo, r]));
const list = document.getElementById("entries") as HTMLElement;
const entries = [...list.querySelectorAll<HTMLElement>(".entry")];
const rowOf = (entry: HTMLElement): PageRow => byPhoto.get(entry.dataset.photo ?? "") as PageRow;

let filter: Filter = "all";

function applyFilter(): void {
  let shown = 0;
  for (const entry of entries) {
    const visible = matchesFilter(rowOf(entry), filter);
    entry.hidden = !visible;
    if (visible) shown += 1;
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-filter]"))
    button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
  (document.getElementById("shown") as HTMLElement).textContent = `${shown} of ${entries.length} shown`;
}

const STATUS_ORDER: Record<string, number> = { error: 0, unreadable: 1, ok: 2 };

function compare(sort: Sort, a: PageRow, b: PageRow): number {
  switch (sort) {
    case "photo":
      return a.photo.localeCompare(b.photo);
    case "status":
      return (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || a.photo.localeCompare(b.photo);
    case "confidence":
      // Least sure first: those are the ones to look at; no confidence at all before any.
      return (a.confidence ?? -1) - (b.confidence ?? -1) || a.photo.localeCompare(b.photo);
    case "reading":
      return (a.reading ?? "").localeCompare(b.reading ?? "") || a.photo.localeCompare(b.photo);
  }
}

function applySort(sort: Sort): void {
  const sorted = [...entries].sort((a, b) => compare(sort, rowOf(a), rowOf(b)));
  list.append(...sorted);
}

/** What the operator typed, by photo: only digits count as a reading. */
function reviewed(): Map<string, string> {
  const typed = new Map<string, string>();
  for (const input of document.querySelectorAll<HTMLInputElement>("input.review")) {
    const value = input.value.trim();
    const valid = value === "" || /^\d+$/.test(value);
    input.setCustomValidity(valid ? "" : "digits only, as printed on the counter");
    if (value !== "" && valid) typed.set(input.dataset.photo ?? "", value);
  }
  return typed;
}

function exportCsv(): void {
  const typed = reviewed();
  const text = csvText(data.rows, { columns: [REVIEWED_COLUMN], cells: (r) => [typed.get(r.photo) ?? null] });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = `${data.jobId}-reviewed.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  (document.getElementById("export-status") as HTMLElement).textContent =
    `${typed.size} reading(s) reviewed, exported as ${link.download}`;
}

for (const button of document.querySelectorAll<HTMLButtonElement>("[data-filter]")) {
  button.addEventListener("click", () => {
    filter = (FILTERS as readonly string[]).includes(button.dataset.filter ?? "")
      ? (button.dataset.filter as Filter)
      : "all";
    applyFilter();
  });
}
const sortSelect = document.getElementById("sort") as HTMLSelectElement;
sortSelect.addEventListener("change", () => applySort(sortSelect.value as Sort));
document.getElementById("export")?.addEventListener("click", exportCsv);
document.addEventListener("input", (e) => {
  if (e.target instanceof HTMLInputElement && e.target.classList.contains("review")) reviewed();
});
applySort(sortSelect.value as Sort);
applyFilter();
