// Shape checks for untrusted documents (package metadata JSON, build manifests, pyproject.toml), shared by
// every reader of such a document. A Checker knows nothing about error codes or wording: each caller binds
// its own `fail` (which throws its own FlavorError code with its own message form) and gets back checks
// that name the offending field and say what was expected. No I/O; imports nothing but the language.

/** Throws the caller's error for `field`: `expected` is a phrase like "a non-empty string". */
export type Fail = (field: string, expected: string, value: unknown) => never;

export type Table = Record<string, unknown>;

export interface CheckerOptions {
  /** How a table is named in messages: "an object" (JSON), "a table" (TOML), "a table/object" (either). */
  table?: string;
  /**
   * What a "non-empty" string must avoid: "empty" only (package metadata, mirroring the Go launcher) or
   * "blank", whitespace-only too (build inputs written by people). Default "blank".
   */
  emptiness?: 'empty' | 'blank';
}

export interface StringRule {
  /** Reject "" and whitespace-only strings (default true). */
  nonEmpty?: boolean;
  /** The string must match this pattern… */
  pattern?: RegExp;
  /** …which is described by this phrase (e.g. "variable names or globs like \"LC_*\""). */
  what?: string;
}

export interface MapRule {
  /** Every key must match this pattern. */
  names?: RegExp;
  /** Every value must match this pattern. */
  values?: RegExp;
  /** What the whole map must be, for messages (default "a table of strings"). */
  what?: string;
}

/** A short, safe rendering of a value for messages ("got …"). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return typeof value === 'object' ? 'an object' : String(value);
}

/** A plain table: not an array, not null, not a TOML date. */
export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export class Checker {
  readonly tableWord: string;
  readonly emptiness: 'empty' | 'blank';

  constructor(
    readonly fail: Fail,
    options: CheckerOptions = {},
  ) {
    this.tableWord = options.table ?? 'an object';
    this.emptiness = options.emptiness ?? 'blank';
  }

  table(value: unknown, field: string): Table {
    if (!isTable(value)) this.fail(field, this.tableWord, value);
    return value;
  }

  optTable(value: unknown, field: string): Table | undefined {
    return value === undefined ? undefined : this.table(value, field);
  }

  string(value: unknown, field: string, rule: StringRule = {}): string {
    const nonEmpty = rule.nonEmpty ?? true;
    const what = rule.what ?? (nonEmpty ? 'a non-empty string' : 'a string');
    if (typeof value !== 'string') this.fail(field, what, value);
    const empty = this.emptiness === 'empty' ? value === '' : value.trim() === '';
    if (nonEmpty && empty) this.fail(field, what, value);
    if (rule.pattern && !rule.pattern.test(value)) this.fail(field, what, value);
    return value;
  }

  optString(value: unknown, field: string, rule: StringRule = {}): string | undefined {
    return value === undefined ? undefined : this.string(value, field, rule);
  }

  uint(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(field, 'a non-negative integer', value);
    }
    return value;
  }

  int(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(field, 'an integer', value);
    return value;
  }

  optBool(value: unknown, field: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(field, 'true or false', value);
    return value;
  }

  array(value: unknown, field: string, what = 'an array'): unknown[] {
    if (!Array.isArray(value)) this.fail(field, what, value);
    return value;
  }

  /** An array of strings; each item follows `rule` (the message names the item by its index). */
  stringList(value: unknown, field: string, rule: StringRule = {}): string[] {
    const what = `an array of strings${rule.pattern && rule.what ? ` (${rule.what})` : ''}`;
    const items = this.array(value, field, what);
    items.forEach((item, i) => {
      this.string(item, `${field}[${i}]`, { ...rule, what: rule.what ?? 'a non-empty string' });
    });
    return items as string[];
  }

  optStringList(value: unknown, field: string, rule: StringRule = {}): string[] | undefined {
    return value === undefined ? undefined : this.stringList(value, field, rule);
  }

  /** A table of strings; bad entries are named `field.key`. */
  stringMap(value: unknown, field: string, rule: MapRule = {}): Record<string, string> {
    const what = rule.what ?? `${this.tableWord} of strings`;
    if (!isTable(value)) this.fail(field, what, value);
    const out: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      if (rule.names && !rule.names.test(name)) this.fail(`${field}.${name}`, what, item);
      if (typeof item !== 'string') this.fail(`${field}.${name}`, 'a string', item);
      if (rule.values && !rule.values.test(item)) this.fail(`${field}.${name}`, what, item);
      out[name] = item;
    }
    return out;
  }

  optStringMap(value: unknown, field: string, rule: MapRule = {}): Record<string, string> | undefined {
    return value === undefined ? undefined : this.stringMap(value, field, rule);
  }
}
