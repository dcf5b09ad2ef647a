// A small python-build-standalone-shaped archive, made at test time (issue 19): the layout of an
// install_only archive (python/bin/python3.X + python/lib/python3.X/… on Linux and macOS, python/python.exe
// + pythonXY.dll + Lib/… on Windows), whose "interpreter" is a tiny static Go program for the archive's
// platform. It reports what it was run with and whether the package laid out its slots where the planned
// command expects them, so a package built around it can be run (natively, or under qemu-user).

import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';

const FAKE_PYTHON = `package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

func main() {
	exe, _ := os.Executable()
	prefix := filepath.Dir(exe)
	if filepath.Base(prefix) == "bin" {
		prefix = filepath.Dir(prefix)
	}
	fmt.Printf("fake-python %s/%s args=%s\\n", runtime.GOOS, runtime.GOARCH, strings.Join(os.Args[1:], " "))
	for _, rel := range []string{SITE + "/_flavor_run.py", SITE + "/_flavor_app.pth", "app"} {
		if _, err := os.Stat(filepath.Join(prefix, rel)); err != nil {
			fmt.Printf("missing %s\\n", rel)
			os.Exit(3)
		}
	}
	fmt.Println("layout ok")
}
`;

export interface SyntheticDist {
  archive: string;
  /** The Go-built "interpreter" for the platform, as it sits in the archive. */
  version: string;
}

const TRIPLES: Record<string, string> = {
  linux_amd64: 'x86_64-unknown-linux-gnu',
  linux_arm64: 'aarch64-unknown-linux-gnu',
  darwin_arm64: 'aarch64-apple-darwin',
  darwin_amd64: 'x86_64-apple-darwin',
  windows_amd64: 'x86_64-pc-windows-msvc',
};

/**
 * Writes `cpython-<version>+20250101-<triple>-install_only.tar.gz` (or `name` when given) into `dir`.
 * Needs Go (the launcher's toolchain).
 */
export async function makeSyntheticDist(
  dir: string,
  platform: string,
  options: { version?: string; name?: string } = {},
): Promise<SyntheticDist> {
  const version = options.version ?? '3.12.7';
  const minor = version.split('.').slice(0, 2).join('.');
  const [goos, goarch] = platform.split('_') as [string, string];
  const windows = goos === 'windows';
  const stage = path.join(dir, `dist-stage-${platform}`);
  const prefix = path.join(stage, 'python');
  const site = windows ? 'Lib/site-packages' : `lib/python${minor}/site-packages`;
  const stdlib = windows ? 'Lib' : `lib/python${minor}`;
  await fs.mkdir(path.join(prefix, site), { recursive: true });
  await fs.writeFile(path.join(prefix, stdlib, 'os.py'), '# the standard library would be here\n');
  await fs.writeFile(path.join(prefix, site, 'README.txt'), 'site-packages of the archive\n');
  const include = windows ? 'include' : `include/python${minor}`;
  await fs.mkdir(path.join(prefix, include), { recursive: true });
  await fs.writeFile(path.join(prefix, include, 'patchlevel.h'), `#define PY_VERSION "${version}"\n`);
  const exe = windows ? path.join(prefix, 'python.exe') : path.join(prefix, 'bin', `python${minor}`);
  await fs.mkdir(path.dirname(exe), { recursive: true });
  await buildFakePython(path.join(dir, `fake-python-${platform}`), exe, goos, goarch, site);
  if (windows) {
    await fs.writeFile(path.join(prefix, `python${minor.replace('.', '')}.dll`), 'MZ not a real dll\n');
  } else {
    await fs.symlink(`python${minor}`, path.join(prefix, 'bin', 'python3'));
  }
  const name =
    options.name ?? `cpython-${version}+20250101-${TRIPLES[platform] ?? platform}-install_only.tar.gz`;
  const archive = path.join(dir, name);
  await tar.c({ gzip: true, file: archive, cwd: stage, portable: true }, ['python']);
  await fs.rm(stage, { recursive: true, force: true });
  return { archive, version };
}

async function buildFakePython(
  src: string,
  out: string,
  goos: string,
  goarch: string,
  site: string,
): Promise<void> {
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'go.mod'), 'module fakepython\n\ngo 1.21\n');
  await fs.writeFile(path.join(src, 'main.go'), `${FAKE_PYTHON}\nconst SITE = ${JSON.stringify(site)}\n`);
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], {
    cwd: src,
    env: { ...process.env, CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}
