// checkJsonKeys / keyFold (src/format/json-keys.ts). launcher/internal/format/jsonkeys_test.go runs the
// same cases against the Go implementation; the shared vectors and the differential test cover whole
// packages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { checkJsonKeys, keyFold, MAX_JSON_DEPTH } from '../../src/format/index.js';

const refused: Array<[string, string]> = [
  ['{"a": 1, "a": 2}', 'exact duplicate'],
  ['{"command": "x", "Command": "y"}', 'ASCII case variant'],
  ['{"execution": {"env": {"PATH": "a", "path": "b"}}}', 'nested map'],
  ['{"slots": [{"id": "a"}, {"id": "b", "ID": "c"}]}', 'object inside an array'],
  ['{"slots": 1, "\\u017flots": 2}', 'long s folds to S'],
  ['{"k": 1, "\\u212a": 2}', 'Kelvin sign folds to K'],
  ['{"a\\u0062": 1, "ab": 2}', 'escaped and plain spelling of one key'],
  ['{"x": "\\ud800"}', 'lone high surrogate in a value'],
  ['{"\\udc00": 1}', 'lone low surrogate in a key'],
];
const accepted: Array<[string, string]> = [
  ['{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}', 'same key in different objects'],
  ['{"\\u00c9": 1, "\\u00e9": 2}', 'non-ASCII letters are compared exactly'],
  ['{"\\u0130": 1, "i": 2, "\\u0131": 3}', 'dotted and dotless i are not folded'],
  ['{"x": "\\ud83d\\ude00", "y": "{\\"a\\": 1, \\"a\\": 2}"}', 'a surrogate pair; braces inside a string'],
];

for (const [json, what] of refused) {
  test(`refused: ${what}`, () => {
    JSON.parse(json); // valid JSON: the check runs after the parser
    assert.throws(
      () => checkJsonKeys(json),
      (e: unknown) => isFlavorError(e, 'METADATA_JSON'),
    );
  });
}
for (const [json, what] of accepted) {
  test(`accepted: ${what}`, () => {
    checkJsonKeys(json);
  });
}

test('the error names the object and both spellings', () => {
  assert.throws(
    () => checkJsonKeys('{"execution": {"command": "a", "Command": "b"}}'),
    /"command" and "Command" in execution, which differ only in case/,
  );
  assert.throws(() => checkJsonKeys('{"slots": [{}, {"a": 1, "a": 2}]}'), /"a" twice in slots\[1\]/);
});

test(`nesting up to ${MAX_JSON_DEPTH} levels is accepted, one more is refused`, () => {
  checkJsonKeys(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`);
  assert.throws(
    () => checkJsonKeys(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`),
    (e: unknown) => isFlavorError(e, 'METADATA_JSON'),
  );
});

test('keyFold', () => {
  assert.equal(keyFold('setup_Commands'), 'SETUP_COMMANDS');
  assert.equal(keyFold('\u017fource'), 'SOURCE');
  assert.equal(keyFold('\u212aey'), 'KEY');
  assert.equal(keyFold('\u00e9'), '\u00e9');
});
