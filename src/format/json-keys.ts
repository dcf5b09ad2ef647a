// Duplicate and case-variant keys in the metadata JSON. JSON.parse keeps the last of two equal keys,
// Go's encoding/json matches keys case-insensitively: a document with "command" and "Command" could
// show one command and run the other. Both readers therefore refuse such documents outright, with the
// same algorithm (launcher/internal/format/jsonkeys.go): walk the text the JSON parser accepted and
// refuse, at the first occurrence in document order (METADATA_JSON),
//   - an object with two keys equal after keyFold, at any level (maps and objects in arrays too);
//   - an escaped lone UTF-16 surrogate ("\ud800") anywhere: decoders disagree on what it means;
//   - nesting deeper than MAX_JSON_DEPTH (encoding/json's own limit).

import { FlavorError } from '../errors.js';

export const MAX_JSON_DEPTH = 10000;

/**
 * The form two keys are compared in: ASCII letters upper-cased, and the two non-ASCII letters Go's
 * encoding/json folds onto ASCII letters (U+017F long s → S, U+212A Kelvin sign → K) replaced by
 * them. Every other character is compared exactly.
 */
export function keyFold(key: string): string {
  let out = '';
  for (const ch of key) {
    if (ch >= 'a' && ch <= 'z') out += ch.toUpperCase();
    else if (ch === '\u017f') out += 'S';
    else if (ch === '\u212a') out += 'K';
    else out += ch;
  }
  return out;
}

interface Frame {
  object: boolean;
  path: string;
  keys: Map<string, string>; // folded → as written
  key: string; // the last key read (objects)
  index: number; // the current element (arrays)
}

/** Checks JSON text that JSON.parse has already accepted (see the top of this file). */
export function checkJsonKeys(text: string): void {
  const stack: Frame[] = [];
  let expectKey = false;
  const where = () => stack.at(-1)?.path ?? '(root)';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const { value, end } = decodeJsonString(text, i, where);
      if (expectKey) {
        addKey(stack.at(-1)!, value);
        expectKey = false;
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) {
        throw new FlavorError(
          'METADATA_JSON',
          `metadata JSON is nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
      }
      stack.push({ object: c === '{', path: childPath(stack.at(-1)), keys: new Map(), key: '', index: 0 });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      const top = stack.at(-1);
      expectKey = top?.object === true;
      if (top && !top.object) top.index++;
    }
  }
}

/** Names the value that starts now, e.g. "execution.env" or "slots[1]". */
function childPath(top: Frame | undefined): string {
  if (!top) return '(root)';
  if (top.object) return top.path === '(root)' ? top.key : `${top.path}.${top.key}`;
  return `${top.path}[${top.index}]`;
}

function addKey(top: Frame, key: string): void {
  const folded = keyFold(key);
  const first = top.keys.get(folded);
  if (first !== undefined) {
    if (first === key) {
      throw new FlavorError(
        'METADATA_JSON',
        `metadata JSON has the key ${JSON.stringify(key)} twice in ${top.path}`,
        {
          hint: 'every key may appear once: readers disagree on which duplicate wins',
          details: { field: top.path },
        },
      );
    }
    throw new FlavorError(
      'METADATA_JSON',
      `metadata JSON has the keys ${JSON.stringify(first)} and ${JSON.stringify(key)} in ${top.path}, which differ only in case`,
      {
        hint: 'keys that differ only in case are refused: some readers match keys case-insensitively',
        details: { field: top.path },
      },
    );
  }
  top.keys.set(folded, key);
  top.key = key;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Decodes the string literal at text[start] (a '"'); the text is valid JSON. */
function decodeJsonString(text: string, start: number, where: () => string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const esc = text[i + 1]!;
    if (esc !== 'u') {
      value += SIMPLE_ESCAPES[esc] ?? '';
      i += 2;
      continue;
    }
    const { char, length } = decodeUnicodeEscape(text, i, where);
    value += char;
    i += length;
  }
  return { value, end: i };
}

function decodeUnicodeEscape(text: string, i: number, where: () => string): { char: string; length: number } {
  const hi = hex4(text, i + 2);
  const lone = () =>
    new FlavorError(
      'METADATA_JSON',
      `metadata JSON has a lone surrogate escape \\u${hi.toString(16).padStart(4, '0')} in ${where()}`,
    );
  if (hi >= 0xdc00 && hi <= 0xdfff) throw lone();
  if (hi < 0xd800 || hi > 0xdbff) return { char: String.fromCharCode(hi), length: 6 };
  if (text[i + 6] === '\\' && text[i + 7] === 'u') {
    const lo = hex4(text, i + 8);
    if (lo >= 0xdc00 && lo <= 0xdfff) return { char: String.fromCharCode(hi, lo), length: 12 };
  }
  throw lone();
}

function hex4(text: string, at: number): number {
  const digits = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(digits) ? Number.parseInt(digits, 16) : -1;
}
