import { verify as verifyApi } from '../../api/verify.js';
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
    const json = flag(values, 'json');
    const result = await verifyApi(pkgPath!, {
      keys: strs(values, 'key'),
      launcherKeys: trustedKeysFromEnv(ctx.env),
      ...(json ? {} : { onCheck: (c) => ctx.out.print(`ok  ${c.name.padEnd(18)} ${c.detail}`) }),
    });
    if (json) {
      ctx.out.json(result);
    } else {
      const verdict =
        result.trust === 'trusted'
          ? `signed by trusted key ${result.fingerprint}`
          : result.trust === 'pinned'
            ? `signed by ${result.fingerprint}, which its launcher pins`
            : 'self-signed: integrity only';
      ctx.out.print(`${result.name} ${result.version}: verified, ${verdict}`);
    }
    return 0;
  },
};
