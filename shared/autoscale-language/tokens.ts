/**
 * The words of a Batch autoscale formula, each with the line and column Batch quotes in its
 * error messages ("Line 1, Col 37: ...").
 */
import { FormulaSyntaxError } from "./formula-errors";

export type TokenKind = "variable" | "name" | "number" | "string" | "symbol" | "end";

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based, as Batch reports positions. */
  line: number;
  col: number;
}

export interface Position {
  line: number;
  col: number;
}

/** Longest first, so `<=` is never read as `<` then `=`. */
const SYMBOLS = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "<",
  ">",
  "=",
  "!",
  "?",
  ":",
  ";",
  "(",
  ")",
  ",",
  ".",
];

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /\w/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;

export function tokenize(formula: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, col: at - lineStart + 1 });

  while (at < formula.length) {
    const char = formula[at]!;
    if (char === "\n") {
      at++;
      line++;
      lineStart = at;
      continue;
    }
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    // Line comments, as the documentation's example formulas use them.
    if (formula.startsWith("//", at)) {
      while (at < formula.length && formula[at] !== "\n") at++;
      continue;
    }
    const start = here();
    const number = NUMBER.exec(formula.slice(at));
    if (number) {
      tokens.push({ kind: "number", text: number[0], ...start });
      at += number[0].length;
      continue;
    }
    if (char === "$" || NAME_START.test(char)) {
      let end = at + 1;
      while (end < formula.length && NAME_PART.test(formula[end]!)) end++;
      const text = formula.slice(at, end);
      if (text === "$") throw new FormulaSyntaxError("a variable name must follow '$'", start);
      tokens.push({ kind: char === "$" ? "variable" : "name", text, ...start });
      at = end;
      continue;
    }
    if (char === '"') {
      const close = formula.indexOf('"', at + 1);
      if (close < 0 || formula.slice(at, close).includes("\n"))
        throw new FormulaSyntaxError("unterminated string", start);
      tokens.push({ kind: "string", text: formula.slice(at + 1, close), ...start });
      at = close + 1;
      continue;
    }
    const symbol = SYMBOLS.find((s) => formula.startsWith(s, at));
    if (!symbol) throw new FormulaSyntaxError(`unexpected character '${char}'`, start);
    tokens.push({ kind: "symbol", text: symbol, ...start });
    at += symbol.length;
  }
  tokens.push({ kind: "end", text: "", ...here() });
  return tokens;
}
