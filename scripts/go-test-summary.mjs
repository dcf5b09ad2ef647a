// Prints the Go test results from `go test -json` in a readable form: failures in full, then counts.
import { readFileSync } from 'node:fs';

const events = readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      return {};
    }
  });
const output = new Map();
let pass = 0;
let fail = 0;
let skip = 0;
for (const e of events) {
  const key = `${e.Package} ${e.Test ?? ''}`;
  if (e.Action === 'output') output.set(key, (output.get(key) ?? '') + e.Output);
  if (!e.Test) {
    if (e.Action === 'pass' || e.Action === 'fail')
      console.log(`${e.Action === 'pass' ? 'ok  ' : 'FAIL'} ${e.Package} ${e.Elapsed ?? ''}s`);
    if (e.Action === 'fail') process.stdout.write(output.get(key) ?? '');
    continue;
  }
  if (e.Action === 'pass') pass++;
  if (e.Action === 'skip') skip++;
  if (e.Action === 'fail') {
    fail++;
    process.stdout.write(output.get(key) ?? '');
  }
}
console.log(`go: ${pass} passed, ${fail} failed, ${skip} skipped`);
