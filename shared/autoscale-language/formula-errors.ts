/**
 * The ways a formula fails, with the codes Batch reports for them.
 *
 * Batch's REST reference and its SDK tests give: `AutoScalingFormulaSyntaxError` (HTTP 400 when a
 * pool is added or autoscale enabled with a formula that does not parse), `AutoScalingFormulaEvaluationError`
 * (an `autoScaleRun.error` for a formula that parses but fails, e.g. an undefined `$something_useless`), and
 * `InsufficientSampleData` with the message "Autoscale evaluation failed due to insufficient sample data"
 * and a value named "Message" that reads "Line 1, Col 37: Insufficient data from data set: ...".
 * The other message texts are this service's own words: Batch does not document them.
 */
import type { Position } from "./tokens";

export type FormulaErrorCode =
  "AutoScalingFormulaSyntaxError" | "AutoScalingFormulaEvaluationError" | "InsufficientSampleData";

/** `autoScaleRun.error` as Batch's REST API returns it. */
export interface AutoScaleRunError {
  code: FormulaErrorCode;
  message: string;
  values: { name: string; value: string }[];
}

const MESSAGES: Record<FormulaErrorCode, string> = {
  AutoScalingFormulaSyntaxError: "The specified auto-scaling formula has a syntax error.",
  AutoScalingFormulaEvaluationError: "Autoscale evaluation failed",
  InsufficientSampleData: "Autoscale evaluation failed due to insufficient sample data",
};

export abstract class FormulaError extends Error {
  abstract readonly code: FormulaErrorCode;

  readonly at: Position;

  constructor(
    readonly detail: string,
    at: Position,
  ) {
    super(`Line ${at.line}, Col ${at.col}: ${detail}`);
    this.at = { line: at.line, col: at.col };
  }

  toRunError(): AutoScaleRunError {
    return { code: this.code, message: MESSAGES[this.code], values: [{ name: "Message", value: this.message }] };
  }
}

/** Refused before any statement runs: the text does not parse, or names what Batch does not have. */
export class FormulaSyntaxError extends FormulaError {
  readonly code = "AutoScalingFormulaSyntaxError";
}

/** A statement that parsed but cannot be computed (wrong types, undefined variable, bad argument). */
export class FormulaEvaluationError extends FormulaError {
  readonly code = "AutoScalingFormulaEvaluationError";
}

/** `GetSample` asked for a share of samples the history does not have. */
export class InsufficientSampleDataError extends FormulaError {
  readonly code = "InsufficientSampleData";
}
