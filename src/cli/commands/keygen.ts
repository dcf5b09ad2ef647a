import { prepareOutputDir } from '../../api/output-path.js';
import { fingerprint, generateSigningKey, saveKeyPair } from '../../crypto/keys.js';
import { type CommandDefinition, flag, str } from '../command.js';
import { keyProtection } from '../keys.js';

export const keygen: CommandDefinition = {
  name: 'keygen',
  summary: 'Generate an Ed25519 signing key pair (PKCS#8 / SPKI PEM).',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    'out-dir': {
      type: 'string',
      help: 'DIR  where to write flavor-private.key and flavor-public.key (default: keys)',
    },
    force: { type: 'boolean', help: 'replace existing key files (the old private key is lost)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details:
    'The private key file is created with mode 0600 (a new folder 0700) and never overwritten without --force;\na folder everyone can write to is refused. Keep it secret: anyone with it can sign packages your users will trust.',
  async run(ctx, _args, values) {
    const dir = str(values, 'out-dir') ?? 'keys';
    await prepareOutputDir(dir, '--out-dir', 0o700);
    const key = generateSigningKey();
    const files = await saveKeyPair(key, dir, flag(values, 'force'), keyProtection(ctx.env, ctx.out));
    const fp = fingerprint(key.publicKeyRaw);
    if (flag(values, 'json')) {
      ctx.out.json({
        ok: true,
        private_key: files.privateKeyPath,
        public_key: files.publicKeyPath,
        fingerprint: fp,
      });
    } else {
      ctx.out.print(`private key: ${files.privateKeyPath} (mode 0600, keep it secret)`);
      ctx.out.print(`public key:  ${files.publicKeyPath}`);
      ctx.out.print(`fingerprint: ${fp}`);
    }
    return 0;
  },
};
