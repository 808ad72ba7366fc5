/**
 * The OData query options Batch list operations take: `$filter` (comparisons on properties,
 * `and`/`or`/`not`, `startswith`), `$select`, and `maxresults` paging with `odata.nextLink`.
 * A filter this service cannot evaluate is refused, never ignored: ignoring it would return
 * entities the client asked to exclude.
 */
import { invalidQuery } from "./errors";

type Literal = string | number | boolean | null;
export type Predicate = (entity: object) => boolean;

type Token = { kind: "str" | "num" | "word" | "date" | "punct"; text: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:datetime'([^']*)'|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)(?![\w/])|([A-Za-z_$][\w/.$]*)|([(),]))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new Error(`cannot read the filter at "${src.slice(pos)}"`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: "date", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: "str", text: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) tokens.push({ kind: "num", text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "word", text: m[4] });
    else tokens.push({ kind: "punct", text: m[5]! });
  }
  return tokens;
}

/** Reads `a/b/c` from an entity, case-insensitively as Batch matches property names. */
export function readPath(entity: object, path: string): unknown {
  let cur: unknown = entity;
  for (const part of path.split("/")) {
    if (cur === null || typeof cur !== "object") return undefined;
    const key = Object.keys(cur).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const COMPARISONS: Record<string, (a: Literal, b: Literal) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => a !== null && b !== null && a > b,
  ge: (a, b) => a !== null && b !== null && a >= b,
  lt: (a, b) => a !== null && b !== null && a < b,
  le: (a, b) => a !== null && b !== null && a <= b,
};

/** Enum values (states, results) compare case-insensitively in Batch; ids keep their case. */
function normalise(v: unknown, dates: boolean): Literal {
  if (typeof v === "string") return dates ? new Date(v).toISOString() : v.toLowerCase();
  if (typeof v === "number" || typeof v === "boolean") return v;
  return null;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const p = this.or();
    if (this.i < this.tokens.length) throw new Error(`unexpected "${this.tokens[this.i]!.text}"`);
    return p;
  }

  private peekWord(w: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === "word" && t.text.toLowerCase() === w;
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new Error("the filter ends too early");
    return t;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new Error(`expected "${text}", found "${t.text}"`);
  }

  private or(): Predicate {
    let left = this.and();
    while (this.peekWord("or")) {
      this.i++;
      const l = left;
      const r = this.and();
      left = (e) => l(e) || r(e);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.unary();
    while (this.peekWord("and")) {
      this.i++;
      const l = left;
      const r = this.unary();
      left = (e) => l(e) && r(e);
    }
    return left;
  }

  private unary(): Predicate {
    if (this.peekWord("not")) {
      this.i++;
      const inner = this.unary();
      return (e) => !inner(e);
    }
    const t = this.tokens[this.i];
    if (t?.kind === "punct" && t.text === "(") {
      this.i++;
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    if (this.peekWord("startswith")) return this.startsWith();
    return this.comparison();
  }

  private startsWith(): Predicate {
    this.i++;
    this.expect("(");
    const prop = this.next();
    this.expect(",");
    const prefix = this.next();
    this.expect(")");
    if (prop.kind !== "word" || prefix.kind !== "str") throw new Error("startswith takes a property and a 'string'");
    return (e) => {
      const v = readPath(e, prop.text);
      return typeof v === "string" && v.toLowerCase().startsWith(prefix.text.toLowerCase());
    };
  }

  private comparison(): Predicate {
    const prop = this.next();
    if (prop.kind !== "word") throw new Error(`expected a property name, found "${prop.text}"`);
    const op = this.next().text.toLowerCase();
    const compare = COMPARISONS[op];
    if (!compare) throw new Error(`unknown operator "${op}"`);
    const lit = this.next();
    const dates = lit.kind === "date";
    let value: Literal;
    if (lit.kind === "str" || lit.kind === "date") value = normalise(lit.text, dates);
    else if (lit.kind === "num") value = Number(lit.text);
    else if (lit.text === "true" || lit.text === "false") value = lit.text === "true";
    else if (lit.text === "null") value = null;
    else throw new Error(`expected a value after ${op}, found "${lit.text}"`);
    return (e) => compare(normalise(readPath(e, prop.text), dates), value);
  }
}

export function parseFilter(filter: string | null): Predicate {
  if (filter === null || filter.trim() === "") return () => true;
  try {
    return new Parser(tokenize(filter)).parse();
  } catch (err) {
    throw invalidQuery("$filter", filter, (err as Error).message);
  }
}

/** `$select=id,state,executionInfo/exitCode`: keeps those properties (and parents of nested ones). */
export function applySelect<T extends object>(entity: T, select: string | null): Partial<T> {
  if (select === null || select.trim() === "") return entity;
  const out: Record<string, unknown> = {};
  for (const path of select
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = path.split("/");
    let src: unknown = entity;
    let dst = out;
    parts.forEach((part, idx) => {
      if (src === null || typeof src !== "object") return;
      const key = Object.keys(src).find((k) => k.toLowerCase() === part.toLowerCase());
      if (key === undefined) return;
      const value = (src as Record<string, unknown>)[key];
      if (idx === parts.length - 1) dst[key] = value;
      else {
        dst[key] ??= {};
        dst = dst[key] as Record<string, unknown>;
        src = value;
      }
    });
  }
  return out as Partial<T>;
}

export const MAX_RESULTS = 1000;

export interface Page<T> {
  items: T[];
  /** The `$skiptoken` of the next page, when there is one. */
  nextToken?: string;
}

/**
 * One page of `all`, which is in list order with ascending `positionOf`. The token is the
 * position of the page's last entity, not a count: entities that leave the list (or its filter)
 * between pages then shift nothing, so no entity is skipped or listed twice.
 */
export function pageOf<T>(all: T[], query: URLSearchParams, positionOf: (entity: T) => number): Page<T> {
  const raw = query.get("maxresults");
  const max = raw === null ? MAX_RESULTS : Number(raw);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw invalidQuery("maxresults", raw ?? "", `must be a whole number from 1 to ${MAX_RESULTS}`);
  }
  const skipRaw = query.get("$skiptoken");
  const after = skipRaw === null ? -1 : Number(skipRaw);
  if (skipRaw !== null && !(Number.isInteger(after) && after >= 0))
    throw invalidQuery("$skiptoken", skipRaw, "not a token this service issued");
  const rest = all.filter((e) => positionOf(e) > after);
  const items = rest.slice(0, max);
  return rest.length > max ? { items, nextToken: String(positionOf(items[items.length - 1]!)) } : { items };
}
