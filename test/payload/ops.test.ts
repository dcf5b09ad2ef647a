// payload/ may not import format/ (test/layering.test.ts), so it keeps its own table of operation codes.
// The two tables must never drift apart.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OP as FORMAT_OP, operationName } from '../../src/format/operations.js';
import { opName, OP as PAYLOAD_OP } from '../../src/payload/ops.js';

test('payload and format agree on every operation code and name', () => {
  assert.deepEqual(PAYLOAD_OP, FORMAT_OP);
  for (const code of Object.values(FORMAT_OP)) assert.equal(opName(code), operationName(code));
});
