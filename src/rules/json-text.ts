/**
 * JSON text with positions: what JSON.parse does not say about a rule file. scanJson finds the
 * position of the first syntax error (V8's messages do not always give one) and every duplicate
 * object key with its JSON path (JSON.parse keeps the last one silently); lineCol turns a position
 * into "line L column C" for messages.
 * Guarantees: RFC 8259 syntax; never throws (depth-capped at 1000, so deep nesting is an error, not a
 * stack overflow); no I/O, no imports (also runs in a browser).
 */

/** Result of scanJson: the first syntax error, and every duplicate object key with its path. */
export interface JsonScan {
  error?: { pos: number; message: string };
  duplicates: { path: (string | number)[]; pos: number }[];
}

/** "line L column C" (both 1-based) of position pos in text. */
export function lineCol(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line} column ${col}`;
}

/** The one-line message of text's first JSON syntax error, with its line and column. */
export function jsonSyntaxMessage(text: string): string {
  const err = scanJson(text).error ?? { pos: 0, message: "syntax error" };
  return `JSON syntax error at ${lineCol(text, err.pos)}: ${err.message}`;
}

/**
 * Scan JSON text (RFC 8259) for the position of the first syntax error and for duplicate keys.
 * Small recursive-descent scanner, depth-capped; never throws.
 */
export function scanJson(text: string): JsonScan {
  const s = new Scanner(text);
  try {
    s.value(0);
    s.ws();
    if (s.i < text.length) s.fail(`unexpected ${s.what()} after the end of the JSON value`);
  } catch (e) {
    const err = e as { pos?: number; message?: string };
    const pos = typeof err.pos === "number" ? err.pos : s.i;
    return { error: { pos, message: err.message ?? "syntax error" }, duplicates: s.duplicates };
  }
  return { duplicates: s.duplicates };
}

/** The scanner's state: position, the path to the current value, the duplicates found so far. */
class Scanner {
  i = 0;
  readonly duplicates: JsonScan["duplicates"] = [];
  private readonly path: (string | number)[] = [];

  constructor(private readonly text: string) {}

  /** Stop at the current position (caught by scanJson). */
  fail(message: string): never {
    throw { pos: this.i, message };
  }

  ws(): void {
    const text = this.text;
    while (this.i < text.length && " \t\r\n".includes(text.charAt(this.i))) this.i++;
  }

  /** The character at the current position, for messages. */
  what(): string {
    return this.i >= this.text.length ? "end of input" : `${JSON.stringify(this.text.charAt(this.i))}`;
  }

  private str(): void {
    const text = this.text;
    this.i++;
    while (true) {
      if (this.i >= text.length) this.fail("unterminated string");
      const ch = text.charCodeAt(this.i);
      if (ch === 0x22) {
        this.i++;
        return;
      }
      if (ch < 0x20) this.fail("control character in string (escape it)");
      if (ch === 0x5c) {
        const e = text.charAt(this.i + 1);
        if (e === "u") {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(this.i + 2, this.i + 6))) this.fail("bad \\u escape");
          this.i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e) || e === "") this.fail("bad escape in string");
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  value(depth: number): void {
    if (depth > 1000) this.fail("nested too deeply");
    this.ws();
    const text = this.text;
    const c = text.charAt(this.i);
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.str();
    const lit = /^(true|false|null)/.exec(text.slice(this.i, this.i + 5));
    if (lit) {
      this.i += (lit[1] as string).length;
      return;
    }
    const num = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(this.i, this.i + 400));
    if (num && num[0] !== "-" && num[0] !== "") {
      this.i += num[0].length;
      return;
    }
    this.fail(
      this.i >= text.length ? "unexpected end of input" : `unexpected ${this.what()} (expected a value)`,
    );
  }

  /** An object at "{", recording duplicate keys. */
  private object(depth: number): void {
    const text = this.text;
    this.i++;
    this.ws();
    if (text.charAt(this.i) === "}") {
      this.i++;
      return;
    }
    const keys = new Set<string>();
    while (true) {
      this.ws();
      if (text.charAt(this.i) !== '"') this.fail(`expected a double-quoted key, found ${this.what()}`);
      const keyAt = this.i;
      this.str();
      const key = JSON.parse(text.slice(keyAt, this.i)) as string;
      if (keys.has(key)) this.duplicates.push({ path: [...this.path, key], pos: keyAt });
      keys.add(key);
      this.ws();
      if (text.charAt(this.i) !== ":") this.fail(`expected ":" after the key, found ${this.what()}`);
      this.i++;
      this.path.push(key);
      this.value(depth + 1);
      this.path.pop();
      this.ws();
      if (text.charAt(this.i) === ",") {
        this.i++;
        continue;
      }
      if (text.charAt(this.i) === "}") {
        this.i++;
        return;
      }
      this.fail(`expected "," or "}", found ${this.what()}`);
    }
  }

  /** An array at "[". */
  private array(depth: number): void {
    const text = this.text;
    this.i++;
    this.ws();
    if (text.charAt(this.i) === "]") {
      this.i++;
      return;
    }
    let n = 0;
    while (true) {
      this.path.push(n++);
      this.value(depth + 1);
      this.path.pop();
      this.ws();
      if (text.charAt(this.i) === ",") {
        this.i++;
        continue;
      }
      if (text.charAt(this.i) === "]") {
        this.i++;
        return;
      }
      this.fail(`expected "," or "]", found ${this.what()}`);
    }
  }
}
