/**
 * The operators, on exactly the operand types the documentation's Operations table allows;
 * any other pairing is an evaluation error, as it is on Batch, rather than a JavaScript coercion.
 */
import { FormulaEvaluationError } from "./formula-errors";
import type { BinaryOperator } from "./syntax";
import type { Position } from "./tokens";
import { double, doubleVec, timeinterval, timestamp, type Value } from "./values";

type Arithmetic = "+" | "-" | "*" | "/";

function arithmetic(operator: Arithmetic, a: number, b: number, at: Position): number {
  switch (operator) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      // A target of Infinity nodes means nothing; Batch's documentation does not say what it does.
      if (b === 0) throw new FormulaEvaluationError("division by zero", at);
      return a / b;
  }
}

function compare(operator: BinaryOperator, a: number | string, b: number | string): Value {
  const outcome: Record<string, boolean> = {
    "<": a < b,
    "<=": a <= b,
    "==": a === b,
    ">=": a >= b,
    ">": a > b,
    "!=": a !== b,
  };
  return double(outcome[operator] ? 1 : 0);
}

const isComparison = (operator: BinaryOperator): boolean => ["<", "<=", "==", ">=", ">", "!="].includes(operator);
const isArithmetic = (operator: BinaryOperator): operator is Arithmetic => ["+", "-", "*", "/"].includes(operator);

/** `left operator right`, or undefined when the table has no row for these types. */
function apply(operator: BinaryOperator, left: Value, right: Value, at: Position): Value | undefined {
  const pair = `${left.type} ${right.type}`;
  if (isComparison(operator)) {
    if (left.type === "double" && right.type === "double") return compare(operator, left.value, right.value);
    if (left.type === "string" && right.type === "string") return compare(operator, left.value, right.value);
    if (
      (left.type === "timestamp" && right.type === "timestamp") ||
      (left.type === "timeinterval" && right.type === "timeinterval")
    ) {
      return compare(operator, left.ms, right.ms);
    }
    return undefined;
  }
  if (operator === "&&" || operator === "||") return undefined; // the evaluator short-circuits these
  if (!isArithmetic(operator)) return undefined;
  switch (pair) {
    case "double double":
      if (left.type === "double" && right.type === "double")
        return double(arithmetic(operator, left.value, right.value, at));
      break;
    case "doubleVec double":
      if (left.type === "doubleVec" && right.type === "double")
        return doubleVec(left.values.map((v) => arithmetic(operator, v, right.value, at)));
      break;
    case "doubleVec doubleVec":
      if (left.type === "doubleVec" && right.type === "doubleVec") {
        if (left.values.length !== right.values.length) {
          throw new FormulaEvaluationError(
            `the vectors have different lengths (${left.values.length} and ${right.values.length})`,
            at,
          );
        }
        return doubleVec(left.values.map((v, i) => arithmetic(operator, v, right.values[i]!, at)));
      }
      break;
    case "double timeinterval":
      if (operator === "*" && left.type === "double" && right.type === "timeinterval")
        return timeinterval(left.value * right.ms);
      break;
    case "timeinterval double":
      if ((operator === "*" || operator === "/") && left.type === "timeinterval" && right.type === "double") {
        return timeinterval(arithmetic(operator, left.ms, right.value, at));
      }
      break;
    case "timeinterval timeinterval":
      if ((operator === "+" || operator === "-") && left.type === "timeinterval" && right.type === "timeinterval") {
        return timeinterval(arithmetic(operator, left.ms, right.ms, at));
      }
      break;
    case "timeinterval timestamp":
    case "timestamp timeinterval":
      if (
        operator === "+" &&
        (left.type === "timestamp" || left.type === "timeinterval") &&
        (right.type === "timestamp" || right.type === "timeinterval")
      ) {
        return timestamp(left.ms + right.ms);
      }
      break;
    case "timestamp timestamp":
      if (operator === "-" && left.type === "timestamp" && right.type === "timestamp")
        return timeinterval(left.ms - right.ms);
      break;
  }
  return undefined;
}

export function binary(operator: BinaryOperator, left: Value, right: Value, at: Position): Value {
  const result = apply(operator, left, right, at);
  if (!result)
    throw new FormulaEvaluationError(`operator '${operator}' does not apply to ${left.type} and ${right.type}`, at);
  return result;
}

export function unary(operator: "-" | "!", operand: Value, at: Position): Value {
  if (operand.type === "double") return double(operator === "-" ? -operand.value : operand.value === 0 ? 1 : 0);
  if (operator === "-" && operand.type === "timeinterval") return timeinterval(-operand.ms);
  throw new FormulaEvaluationError(`operator '${operator}' does not apply to ${operand.type}`, at);
}

/** A double as a condition: nonzero is true. */
export function truth(value: Value, at: Position, what: string): boolean {
  if (value.type !== "double") throw new FormulaEvaluationError(`${what} must be a double, not a ${value.type}`, at);
  return value.value !== 0;
}
