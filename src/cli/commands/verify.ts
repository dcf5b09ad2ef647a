import { loadPublicKeySpec } from '../../crypto/keys.js';
import { verifyPackage } from '../../reader/verify.js';
import { type CommandDefinition, flag, strs } from '../command.js';
import { trustedKeysFromEnv } from '../keys.js';

export const verify: CommandDefinition = {
  name: 'verify',
  summary: 'Check a package completely: structure, checksums, signature, every slot and the launcher.',
  args: 'PKG',
  minArgs: 1,
  maxArgs: 1,
  options: {
    key: {
      type: 'string',
      multiple: true,
      help: 'KEY  trusted public key: PEM file, 64 hex digits or sha256:<fingerprint> (repeatable)',
    },
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
  details:
    'Without --key (or FLAVOR_TRUSTED_KEYS) a valid package is reported as "self-signed: integrity only":\nthe bytes are intact, but anyone could have signed them. With --key the signer must match.\nKeys pinned by the package\'s launcher (flavor pack --trust-key) are honoured as the launcher does:\na package signed by another key is refused.',
  async run(ctx, [pkgPath], values) {
    const load = (specs: string[]) => Promise.all(specs.map((s) => loadPublicKeySpec(s)));
    const trustedKeys = await load(strs(values, 'key'));
    const launcherKeys = await load(trustedKeysFromEnv(ctx.env));
    const json = flag(values, 'json');
    const report = await verifyPackage(pkgPath!, {
      trustedKeys,
      launcherKeys,
      onCheck: json ? undefined : (c) => ctx.out.print(`ok  ${c.name.padEnd(18)} ${c.detail}`),
    });
    const meta = report.package.metadata;
    if (json) {
      ctx.out.json({
        ok: true,
        package: pkgPath,
        name: meta.package.name,
        version: meta.package.version,
        trust: report.trust,
        fingerprint: report.fingerprint,
        pinned_keys: report.pinned,
        identity: report.package.identity,
        checks: report.checks,
      });
    } else {
      const verdict =
        report.trust === 'trusted'
          ? `signed by trusted key ${report.fingerprint}`
          : report.trust === 'pinned'
            ? `signed by ${report.fingerprint}, which its launcher pins`
            : 'self-signed: integrity only';
      ctx.out.print(`${meta.package.name} ${meta.package.version}: verified, ${verdict}`);
    }
    return 0;
  },
};
