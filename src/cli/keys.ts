// Trusted keys from the environment: FLAVOR_TRUSTED_KEYS holds hex keys or sha256: fingerprints,
// separated by commas or white space (the launcher reads the same variable).

export function trustedKeysFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.FLAVOR_TRUSTED_KEYS ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
