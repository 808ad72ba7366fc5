/**
 * What a Batch autoscale formula may call, as Microsoft documents it ("Create a formula to
 * automatically scale compute nodes in a Batch pool": Functions, Obtain sample data), and a
 * tokenizer that lists what a formula's text calls. Batch refuses a formula that calls anything
 * else only when the pool is created or updated, so the check belongs to the tests.
 */

export const DOCUMENTED_FUNCTIONS = new Set([
  "avg", "len", "lg", "ln", "log", "max", "min", "norm", "percentile", "rand", "range", "std", "stop", "sum", "time", "val",
]);

/** Methods of the sample variables ($PendingTasks, $CPUPercent, ...). */
export const DOCUMENTED_SAMPLE_METHODS = new Set(["GetSample", "GetSamplePeriod", "Count", "HistoryBeginTime", "GetSamplePercent"]);

/** Names a formula may use bare: the time interval constants and the node deallocation options. */
export const DOCUMENTED_CONSTANTS = new Set([
  "TimeInterval_Zero", "TimeInterval_100ns", "TimeInterval_Microsecond", "TimeInterval_Millisecond", "TimeInterval_Second",
  "TimeInterval_Minute", "TimeInterval_Hour", "TimeInterval_Day", "TimeInterval_Week", "TimeInterval_Year",
  "requeue", "terminate", "taskcompletion", "retaineddata",
]);

export type FormulaToken = { kind: "variable" | "name" | "number" | "symbol"; text: string };

const TOKEN = /\s*(?:(\$[A-Za-z_]\w*)|([A-Za-z_]\w*)|(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(==|!=|<=|>=|&&|\|\||[-+*/<>=!?:;(),.[\]]))/y;

/** The formula's tokens; throws on a character that is none of Batch's. */
export function tokenizeFormula(formula: string): FormulaToken[] {
  const tokens: FormulaToken[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < formula.length) {
    if (/^\s*$/.test(formula.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(formula);
    if (!match) throw new Error(`unexpected text in the formula at ${at}: ${formula.slice(at, at + 20)}`);
    const [, variable, name, number, symbol] = match;
    if (variable) tokens.push({ kind: "variable", text: variable });
    else if (name) tokens.push({ kind: "name", text: name });
    else if (number) tokens.push({ kind: "number", text: number });
    else tokens.push({ kind: "symbol", text: String(symbol) });
  }
  return tokens;
}

export interface FormulaNames {
  /** Names called as functions, e.g. `max(…)`. */
  functions: string[];
  /** Names called as methods, e.g. `$PendingTasks.GetSample(…)`. */
  methods: string[];
  /** Names used bare, neither called nor a `$variable`. */
  constants: string[];
}

export function namesInFormula(formula: string): FormulaNames {
  const tokens = tokenizeFormula(formula);
  const names: FormulaNames = { functions: [], methods: [], constants: [] };
  tokens.forEach((token, i) => {
    if (token.kind !== "name") return;
    const called = tokens[i + 1]?.text === "(";
    const onObject = tokens[i - 1]?.text === ".";
    if (onObject) names.methods.push(token.text);
    else if (called) names.functions.push(token.text);
    else names.constants.push(token.text);
  });
  return names;
}
