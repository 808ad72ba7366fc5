/**
 * A formula's statements as a tree, read by recursive descent.
 *
 * The documentation gives no operator precedence, so the C family's is used (unary, then * /,
 * + -, comparisons, equality, &&, ||, and the ternary, which groups to the right): the
 * documented examples mean the same under it, and a formula that parenthesises means the same
 * under any.
 */
import { FormulaSyntaxError } from "./formula-errors";
import { tokenize, type Position, type Token } from "./tokens";
import {
  FUNCTION_ARITY,
  isNodeDeallocationOption,
  isSampledVariable,
  MAX_STATEMENTS,
  METHOD_ARITY,
  TIME_INTERVALS,
} from "./vocabulary";

export type BinaryOperator = "+" | "-" | "*" | "/" | "<" | "<=" | "==" | ">=" | ">" | "!=" | "&&" | "||";

export type Expression =
  | { kind: "number"; value: number; at: Position }
  | { kind: "string"; value: string; at: Position }
  | { kind: "variable"; name: string; at: Position }
  | { kind: "constant"; name: string; at: Position }
  | { kind: "unary"; operator: "-" | "!"; operand: Expression; at: Position }
  | { kind: "binary"; operator: BinaryOperator; left: Expression; right: Expression; at: Position }
  | { kind: "ternary"; condition: Expression; then: Expression; otherwise: Expression; at: Position }
  | { kind: "call"; name: string; args: Expression[]; at: Position }
  | { kind: "method"; target: Expression; name: string; args: Expression[]; at: Position }
  | { kind: "member"; target: Expression; name: string; at: Position };

export type Statement =
  | { kind: "assign"; name: string; value: Expression; at: Position }
  | { kind: "expression"; value: Expression; at: Position };

/** User variables may be written with or without `$`; both spellings are the same variable. */
const variableName = (token: Token): string => (token.kind === "variable" ? token.text : `$${token.text}`);

const positionOf = (token: Token): Position => ({ line: token.line, col: token.col });

const isConstantName = (name: string): boolean => name in TIME_INTERVALS || isNodeDeallocationOption(name);

const LEVELS: BinaryOperator[][] = [["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"], ["*", "/"]];

class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  statements(): Statement[] {
    const statements: Statement[] = [];
    while (!this.peekIs("end")) {
      if (this.accept(";")) continue;
      statements.push(this.statement());
      if (!this.peekIs("end")) this.expect(";");
    }
    if (statements.length > MAX_STATEMENTS) {
      throw new FormulaSyntaxError(
        `a formula may have at most ${MAX_STATEMENTS} statements, this one has ${statements.length}`,
        statements[MAX_STATEMENTS]!.at,
      );
    }
    return statements;
  }

  private statement(): Statement {
    const first = this.peek();
    const assigns = (first.kind === "variable" || first.kind === "name") && this.tokens[this.at + 1]?.text === "=";
    if (!assigns) return { kind: "expression", value: this.expression(), at: positionOf(first) };
    this.at += 2;
    const name = variableName(first);
    if (first.kind === "name" && isConstantName(first.text))
      throw new FormulaSyntaxError(`'${first.text}' is a constant and cannot be assigned`, first);
    if (isSampledVariable(name)) throw new FormulaSyntaxError(`${name} is read-only`, first);
    return { kind: "assign", name, value: this.expression(), at: positionOf(first) };
  }

  private expression(): Expression {
    const condition = this.binary(0);
    const question = this.peek();
    if (!this.accept("?")) return condition;
    const then = this.expression();
    this.expect(":");
    return { kind: "ternary", condition, then, otherwise: this.expression(), at: positionOf(question) };
  }

  private binary(level: number): Expression {
    const operators = LEVELS[level];
    if (!operators) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.peek();
      const operator = operators.find((op) => token.kind === "symbol" && token.text === op);
      if (!operator) return left;
      this.at++;
      left = { kind: "binary", operator, left, right: this.binary(level + 1), at: positionOf(token) };
    }
  }

  private unary(): Expression {
    const token = this.peek();
    if (this.accept("-") || this.accept("!")) {
      return { kind: "unary", operator: token.text as "-" | "!", operand: this.unary(), at: positionOf(token) };
    }
    return this.postfix(this.primary());
  }

  private postfix(target: Expression): Expression {
    while (this.accept(".")) {
      const name = this.take();
      if (name.kind !== "name")
        throw new FormulaSyntaxError(`expected a method or member name after '.', found '${name.text}'`, name);
      if (!this.peekIs("symbol", "(")) {
        target = { kind: "member", target, name: name.text, at: positionOf(name) };
        continue;
      }
      const arity = METHOD_ARITY[name.text];
      if (!arity) throw new FormulaSyntaxError(`unknown method '${name.text}'`, name);
      target = { kind: "method", target, name: name.text, args: this.argumentsOf(name, arity), at: positionOf(name) };
    }
    return target;
  }

  private primary(): Expression {
    const token = this.take();
    switch (token.kind) {
      case "number":
        return { kind: "number", value: Number(token.text), at: positionOf(token) };
      case "string":
        return { kind: "string", value: token.text, at: positionOf(token) };
      case "variable":
        return { kind: "variable", name: token.text, at: positionOf(token) };
      case "name": {
        if (this.peekIs("symbol", "(")) {
          const arity = FUNCTION_ARITY[token.text];
          if (!arity) throw new FormulaSyntaxError(`unknown function '${token.text}'`, token);
          return { kind: "call", name: token.text, args: this.argumentsOf(token, arity), at: positionOf(token) };
        }
        if (isConstantName(token.text)) return { kind: "constant", name: token.text, at: positionOf(token) };
        return { kind: "variable", name: variableName(token), at: positionOf(token) };
      }
      case "symbol":
        if (token.text === "(") {
          const inner = this.expression();
          this.expect(")");
          return inner;
        }
        break;
      case "end":
        throw new FormulaSyntaxError("the formula ends in the middle of a statement", token);
    }
    throw new FormulaSyntaxError(`unexpected '${token.text}'`, token);
  }

  private argumentsOf(callee: Token, [fewest, most]: [number, number]): Expression[] {
    this.expect("(");
    const args: Expression[] = [];
    if (!this.accept(")")) {
      do args.push(this.expression());
      while (this.accept(","));
      this.expect(")");
    }
    if (args.length < fewest || args.length > most) {
      const wanted = fewest === most ? `${fewest}` : most === Infinity ? `at least ${fewest}` : `${fewest} to ${most}`;
      throw new FormulaSyntaxError(`'${callee.text}' takes ${wanted} argument(s), given ${args.length}`, callee);
    }
    return args;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private peekIs(kind: Token["kind"], text?: string): boolean {
    const token = this.peek();
    return token.kind === kind && (text === undefined || token.text === text);
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.at++;
    return token;
  }

  private accept(symbol: string): boolean {
    if (!this.peekIs("symbol", symbol)) return false;
    this.at++;
    return true;
  }

  private expect(symbol: string): void {
    const token = this.peek();
    if (this.accept(symbol)) return;
    const found = token.kind === "end" ? "the end of the formula" : `'${token.text}'`;
    throw new FormulaSyntaxError(`expected '${symbol}', found ${found}`, token);
  }
}

/** The formula's statements; throws FormulaSyntaxError where Batch would refuse the formula. */
export function parseFormula(formula: string): Statement[] {
  return new Parser(tokenize(formula)).statements();
}
