/**
 * Runs a formula's statements in order over the pool's state and sample history, as a Batch
 * autoscale run does, and reports what Batch reports: the results string and any error.
 */
import { FormulaError, FormulaEvaluationError, type AutoScaleRunError } from "./formula-errors";
import { callFunction } from "./functions";
import { binary, truth, unary } from "./operators";
import { SampleReader, type SampleHistory } from "./sample-history";
import { parseFormula, type Expression, type Statement } from "./syntax";
import type { Position } from "./tokens";
import { double, formatValue, text, timeinterval, type Value } from "./values";
import {
  isNodeDeallocationOption,
  isSampledVariable,
  isTimestampMember,
  SETTABLE_ALIASES,
  SETTABLE_VARIABLES,
  TIME_INTERVALS,
  type NodeDeallocationOption,
  type SampledVariable,
  type SettableVariable,
  type TimestampMember,
} from "./vocabulary";

export interface FormulaInputs {
  /** The evaluation's moment, ms since the epoch: what time() returns and look-backs count from. */
  now: number;
  samples: SampleHistory;
  /** Each read-only variable's value now, which a formula reads when it uses the variable as a number. */
  current: Partial<Record<SampledVariable, number>>;
  /** The pool's targets before this run: what the formula reads from $TargetDedicatedNodes until it sets it. */
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  random?: () => number;
}

export interface FormulaOutcome {
  /** `$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$user=...` */
  results: string;
  error?: AutoScaleRunError;
  /** The targets as the formula left them: doubles, possibly fractional or negative. */
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: NodeDeallocationOption;
}

/** Thrown by stop(): the statements after it do not run, and what is set so far stands. */
class StopEvaluation {}

const TIMESTAMP_FIELD: Record<TimestampMember, (d: Date) => number> = {
  year: (d) => d.getUTCFullYear(),
  month: (d) => d.getUTCMonth() + 1,
  day: (d) => d.getUTCDate(),
  // 1 for Monday, as documented; Sunday is 0, as .NET's DayOfWeek counts it.
  weekday: (d) => d.getUTCDay(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  second: (d) => d.getUTCSeconds(),
};

class Run {
  /** Variables the formula set, by their `$` name. */
  readonly assigned = new Map<string, Value>();
  /** Where each was last set, for an error about the value it ended with. */
  private readonly assignedAt = new Map<string, Position>();
  private readonly samples: SampleReader;

  constructor(private readonly inputs: FormulaInputs) {
    this.samples = new SampleReader(inputs.samples, inputs.now);
  }

  run(statements: Statement[]): void {
    try {
      for (const statement of statements) {
        const value = this.evaluate(statement.value);
        if (statement.kind === "assign") {
          this.assigned.set(statement.name, value);
          this.assignedAt.set(statement.name, statement.at);
        }
      }
    } catch (thrown) {
      if (!(thrown instanceof StopEvaluation)) throw thrown;
    }
  }

  /** The value a settable variable ends with; an alias counts only when the full name was not set. */
  settable(name: SettableVariable): Value {
    const alias = Object.keys(SETTABLE_ALIASES).find((a) => SETTABLE_ALIASES[a] === name);
    const set = this.assigned.get(name) ?? (alias ? this.assigned.get(alias) : undefined);
    if (set) return set;
    if (name === "$TargetDedicatedNodes") return double(this.inputs.targetDedicatedNodes);
    if (name === "$TargetLowPriorityNodes") return double(this.inputs.targetLowPriorityNodes);
    return text("requeue");
  }

  /** Where the formula last set a settable variable (or its alias); the formula's start if it never did. */
  whereSet(name: SettableVariable): Position {
    const alias = Object.keys(SETTABLE_ALIASES).find((a) => SETTABLE_ALIASES[a] === name);
    return this.assignedAt.get(name) ?? (alias ? this.assignedAt.get(alias) : undefined) ?? { line: 1, col: 1 };
  }

  private read(name: string, at: Position): Value {
    if (isSampledVariable(name)) {
      const current = this.inputs.current[name];
      if (current === undefined) throw new FormulaEvaluationError(`${name} has no value yet`, at);
      return double(current);
    }
    const settable = SETTABLE_ALIASES[name] ?? (SETTABLE_VARIABLES as readonly string[]).find((s) => s === name);
    if (settable) return this.assigned.get(name) ?? this.settable(settable as SettableVariable);
    const value = this.assigned.get(name);
    if (!value) throw new FormulaEvaluationError(`undefined variable ${name}`, at);
    return value;
  }

  private evaluate(expression: Expression): Value {
    switch (expression.kind) {
      case "number":
        return double(expression.value);
      case "string":
        return text(expression.value);
      case "constant":
        return expression.name in TIME_INTERVALS
          ? timeinterval(TIME_INTERVALS[expression.name]!)
          : text(expression.name);
      case "variable":
        return this.read(expression.name, expression.at);
      case "unary":
        return unary(expression.operator, this.evaluate(expression.operand), expression.at);
      case "binary": {
        const { operator, at } = expression;
        if (operator === "&&" || operator === "||") {
          const left = truth(this.evaluate(expression.left), at, `the left side of '${operator}'`);
          if (operator === "&&" ? !left : left) return double(left ? 1 : 0);
          return double(truth(this.evaluate(expression.right), at, `the right side of '${operator}'`) ? 1 : 0);
        }
        return binary(operator, this.evaluate(expression.left), this.evaluate(expression.right), at);
      }
      case "ternary":
        return truth(this.evaluate(expression.condition), expression.at, "a ternary's condition")
          ? this.evaluate(expression.then)
          : this.evaluate(expression.otherwise);
      case "call": {
        if (expression.name === "stop") throw new StopEvaluation();
        const args = expression.args.map((arg) => this.evaluate(arg));
        return callFunction(
          expression.name,
          args,
          { now: this.inputs.now, random: this.inputs.random ?? Math.random },
          expression.at,
        );
      }
      case "method": {
        const { target } = expression;
        if (target.kind !== "variable" || !isSampledVariable(target.name)) {
          throw new FormulaEvaluationError(
            `only the service's sampled variables have methods; '${expression.name}' was called on something else`,
            expression.at,
          );
        }
        const args = expression.args.map((arg) => this.evaluate(arg));
        // Reported at the variable, which names the data set the message is about.
        return this.samples.call(target.name, expression.name, args, target.at);
      }
      case "member": {
        const target = this.evaluate(expression.target);
        if (target.type !== "timestamp" || !isTimestampMember(expression.name)) {
          throw new FormulaEvaluationError(`a ${target.type} has no member '${expression.name}'`, expression.at);
        }
        return double(TIMESTAMP_FIELD[expression.name](new Date(target.ms)));
      }
    }
  }
}

/** Case-insensitive, as Batch's examples list `$curTime;$isWeekday;$isWorkingWeekdayHour;$workHours`. */
const byName = (a: string, b: string): number =>
  a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : a > b ? 1 : 0);

function resultsOf(run: Run): string {
  const settables = SETTABLE_VARIABLES.map((name) => `${name}=${formatValue(run.settable(name))}`);
  const users = [...run.assigned.keys()]
    .filter((name) => !(SETTABLE_VARIABLES as readonly string[]).includes(name) && !(name in SETTABLE_ALIASES))
    .sort(byName)
    .map((name) => `${name}=${formatValue(run.assigned.get(name)!)}`);
  return [...settables, ...users].join(";");
}

function finalNumber(run: Run, name: SettableVariable): number {
  const value = run.settable(name);
  if (value.type !== "double")
    throw new FormulaEvaluationError(`${name} must be a double, not a ${value.type}`, run.whereSet(name));
  return value.value;
}

function finalOption(run: Run): NodeDeallocationOption {
  const value = run.settable("$NodeDeallocationOption");
  if (value.type === "string" && isNodeDeallocationOption(value.value)) return value.value;
  throw new FormulaEvaluationError(
    `$NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata, not ${formatValue(value)}`,
    run.whereSet("$NodeDeallocationOption"),
  );
}

/**
 * Evaluates a formula. A formula that does not parse, or fails while running, gives an outcome
 * with `error` set and the targets as they were before the run, so a pool does not resize on it.
 */
export function evaluateFormula(formula: string, inputs: FormulaInputs): FormulaOutcome {
  const run = new Run(inputs);
  const unchanged = {
    targetDedicatedNodes: inputs.targetDedicatedNodes,
    targetLowPriorityNodes: inputs.targetLowPriorityNodes,
    nodeDeallocationOption: "requeue" as const,
  };
  try {
    run.run(parseFormula(formula));
    return {
      results: resultsOf(run),
      targetDedicatedNodes: finalNumber(run, "$TargetDedicatedNodes"),
      targetLowPriorityNodes: finalNumber(run, "$TargetLowPriorityNodes"),
      nodeDeallocationOption: finalOption(run),
    };
  } catch (thrown) {
    if (!(thrown instanceof FormulaError)) throw thrown;
    return { ...unchanged, results: resultsOf(run), error: thrown.toRunError() };
  }
}

/**
 * A target as a node count. Batch's documentation does not say how it rounds a fractional target;
 * the fraction is dropped here (the formulas on its page never rely on rounding up), and a
 * negative target is no nodes.
 */
export const wholeNodes = (target: number): number => Math.max(0, Math.floor(target));

/** Throws FormulaSyntaxError when Batch would refuse the formula at pool add or enableautoscale. */
export function checkFormula(formula: string): void {
  parseFormula(formula);
}
