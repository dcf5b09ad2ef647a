// Sums node's TAP summary and the Go test events into the one closing line CI reads.
import { existsSync, readFileSync } from 'node:fs';

let pass = 0;
let fail = 0;
let skip = 0;
const tap = existsSync(process.argv[2]) ? readFileSync(process.argv[2], 'utf8') : '';
const num = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
pass += num('pass');
fail += num('fail') + num('cancelled');
skip += num('skipped');
if (!tap.includes('# pass')) fail++; // the node runner did not finish
const go = process.argv[3];
if (go && existsSync(go)) {
  for (const line of readFileSync(go, 'utf8').split('\n')) {
    if (!line.includes('"Test"')) continue;
    if (line.includes('"Action":"pass"')) pass++;
    else if (line.includes('"Action":"fail"')) fail++;
    else if (line.includes('"Action":"skip"')) skip++;
  }
}
console.log(`tests: ${pass} passed, ${fail} failed, ${skip} skipped`);
