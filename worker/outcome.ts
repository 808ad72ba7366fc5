import type { ResultRecord } from "../contracts/result-record";

/** What reading one photo came to: the record's fields other than its name and timings. */
export type Outcome = Partial<ResultRecord> & Pick<ResultRecord, "status">;

export function failed(error: string, rawText = ""): Outcome {
  return { status: "error", error, rawText };
}

/** Processed, but no reading can be trusted: `error` says why and what would fix it. */
export function unreadable(error: string, rawText = ""): Outcome {
  return { status: "unreadable", error, rawText };
}
