// End to end: service mode (runtime.persistent / runtime.port, docs/launcher.md "Service mode") through
// the real launcher. A build manifest packs a small stdlib HTTP server run by the host's python3; each
// test gets its own free loopback port, its own cache, and stops its services in teardown.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { runWithoutPython } from '../helpers/hidden-python.js';
import { missing, TEST_PYTHON } from '../python/helpers.js';

const PYTHON3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
const skip = PYTHON3 === undefined ? missing('python3') : false;
const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'].some((p) => existsSync(p));
const skipExample =
  TEST_PYTHON === undefined ? missing('a CPython >= 3.9') : !UNSHARE ? missing('unshare') : false;
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');

const SERVER_PY = `import http.server, os, sys
if os.environ.get("FAIL_AT_START"):
    print("cannot start: FAIL_AT_START is set", file=sys.stderr)
    sys.exit(3)
port = int(os.environ["FLAVOR_SERVICE_PORT"])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from pid %d\\n" % os.getpid()).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
print("svc-test listening on", port, flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
`;

let dir: string;
let n = 0;
/** Packages whose services a test started: stopped (and killed if need be) after each test. */
const started: Array<{ pkg: string; cache: string }> = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Service {
  pkg: string;
  cache: string;
  port: number;
  run(args?: string[], env?: Record<string, string>): Run;
  cli(...args: string[]): Run;
  status(): { state: string; pid?: number; port?: number; answering?: boolean | null; log?: string };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Packs the HTTP server as a persistent service on `port` (a build manifest: fast, no Python build). */
async function servicePackage(port: number, commands?: Record<string, string>): Promise<Service> {
  const base = path.join(dir, `svc-${++n}`);
  await fs.mkdir(path.join(base, 'app'), { recursive: true });
  await fs.writeFile(path.join(base, 'app', 'server.py'), SERVER_PY);
  const manifest = {
    package: { name: 'svc-test', version: '1.0.0' },
    execution: { command: `${PYTHON3} -u {workenv}/app/server.py`, ...(commands ? { commands } : {}) },
    slots: [{ id: 'app', source: 'app', target: '{workenv}/app', operations: 'tar.gz' }],
    runtime: { persistent: true, port },
  };
  await fs.writeFile(path.join(base, 'manifest.json'), JSON.stringify(manifest));
  const pkg = path.join(base, 'svc.psp');
  const packed = await runFlavor([
    'pack',
    '-q',
    '-m',
    path.join(base, 'manifest.json'),
    '-o',
    pkg,
    '--key-seed',
    's',
  ]);
  assert.equal(packed.code, 0, packed.stderr);
  return handle(pkg, path.join(base, 'cache'), port);
}

function handle(pkg: string, cache: string, port: number): Service {
  const run = (args: string[] = [], env: Record<string, string> = {}): Run => {
    const r = spawnSync(pkg, args, {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: path.join(dir, 'home'), FLAVOR_CACHE: cache, ...env },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const service: Service = {
    pkg,
    cache,
    port,
    run: (args, env) => {
      started.push({ pkg, cache });
      return run(args, env);
    },
    cli: (...args) => run(args, { FLAVOR_LAUNCHER_CLI: '1' }),
    status: () => JSON.parse(run(['service', 'status', '--json'], { FLAVOR_LAUNCHER_CLI: '1' }).stdout),
  };
  return service;
}

/**
 * GET / on a fresh connection (agent: false): a pooled keep-alive socket of a server killed meanwhile
 * (while spawnSync blocked the event loop) must not be reused.
 */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let stat = '';
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return !/\) [ZX] /.test(stat); // a zombie (reparented, not yet reaped) is dead
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-service-'));
});

afterEach(() => {
  for (const s of started.splice(0)) {
    const h = handle(s.pkg, s.cache, 0);
    const st = h.status();
    h.cli('service', 'stop');
    if (st.pid && alive(st.pid)) process.kill(-st.pid, 'SIGKILL');
  }
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('service mode', { skip }, () => {
  test('the first run starts the app in the background and returns; a second run does not start another', async () => {
    const svc = await servicePackage(await freePort());
    const inspected = await runFlavor(['inspect', svc.pkg]);
    assert.match(inspected.stdout, new RegExp(`├── service: persistent, port ${svc.port} \\(the first run`));
    assert.match(svc.cli('info').stdout, new RegExp(`^service: +persistent, port ${svc.port} `, 'm'));
    const doc = JSON.parse((await runFlavor(['inspect', '--json', svc.pkg])).stdout);
    assert.deepEqual(doc.service, { port: svc.port });
    const first = svc.run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /started svc-test 1\.0\.0 in the background \(pid \d+, port \d+\); log: /);
    assert.equal(first.stdout, '');
    const { pid } = svc.status();
    assert.ok(pid && alive(pid));
    assert.equal(await get(svc.port), `hello from pid ${pid}\n`);

    const second = svc.run();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`is already running \\(pid ${pid}, port ${svc.port}, since `));
    assert.equal(svc.status().pid, pid, 'a second run must not start another process');
    assert.equal(await get(svc.port), `hello from pid ${pid}\n`);
  });

  test('status, logs, stop and restart', async () => {
    const svc = await servicePackage(await freePort());
    assert.equal(svc.cli('service', 'status').code, 3, 'never started: stopped (exit 3)');
    assert.equal(svc.run().code, 0);
    await get(svc.port);

    const status = svc.cli('service', 'status');
    assert.equal(status.code, 0, status.stderr);
    const { pid, log } = svc.status();
    assert.match(
      status.stdout,
      new RegExp(`^svc-test 1\\.0\\.0: running \\(pid ${pid}, port ${svc.port}, up \\d+s\\)\\nlog: `),
    );

    const logs = svc.cli('service', 'logs');
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`svc-test listening on ${svc.port}`));
    assert.match(logs.stdout, /"GET \/ HTTP\/1\.1" 200/, 'the app stderr (request log) is in the log');
    assert.equal(readFileSync(log!, 'utf8'), logs.stdout);

    const restarted = svc.cli('service', 'restart');
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
    const newPid = svc.status().pid!;
    assert.notEqual(newPid, pid, 'restart runs a new process');
    assert.ok(!alive(pid!), 'the old process is gone');
    assert.equal(await get(svc.port), `hello from pid ${newPid}\n`);

    const stop = svc.cli('service', 'stop');
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, `svc-test 1.0.0: stopped (pid ${newPid})\n`);
    assert.ok(!alive(newPid));
    await assert.rejects(get(svc.port), 'nothing answers after stop');
    const after = svc.cli('service', 'status');
    assert.equal(after.code, 3);
    assert.equal(after.stdout, 'svc-test 1.0.0: stopped\n');
    assert.equal(svc.cli('service', 'stop').stdout, 'svc-test 1.0.0: not running\n');
  });

  test('after a crash (kill -9) the pid file is stale and the next run starts the service again', async () => {
    const svc = await servicePackage(await freePort());
    assert.equal(svc.run().code, 0);
    const { pid } = svc.status();
    process.kill(pid!, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid!); i++) await new Promise((r) => setTimeout(r, 20));

    const stale = svc.cli('service', 'status');
    assert.equal(stale.code, 1, stale.stdout);
    assert.match(
      stale.stdout,
      new RegExp(`stale \\(the pid file names process ${pid}, which is not running`),
    );

    const rerun = svc.run();
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, new RegExp(`the pid file names process ${pid}, which is not running`));
    const now = svc.status();
    assert.equal(now.state, 'running');
    assert.notEqual(now.pid, pid);
    assert.equal(await get(svc.port), `hello from pid ${now.pid}\n`);
  });

  test('a port another program listens on is a clear error, and nothing is left running', async () => {
    const port = await freePort();
    const svc = await servicePackage(port);
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const r = svc.run();
      assert.equal(r.code, 108, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`error: port ${port} is already in use by another process \\[SERVICE_PORT_BUSY\\]`),
      );
      assert.match(r.stderr, /hint: stop the program listening/);
      assert.equal(svc.status().state, 'stopped');
    } finally {
      squatter.close();
    }
  });

  test('an app that exits during its start fails the run with the end of its log', async () => {
    const svc = await servicePackage(await freePort());
    const r = svc.run([], { FAIL_AT_START: '1' });
    assert.equal(r.code, 108, r.stderr);
    assert.match(r.stderr, /the service exited during its start \(exit status 3\)/);
    assert.match(r.stderr, /cannot start: FAIL_AT_START is set/);
    assert.match(r.stderr, /\[SERVICE_START_FAILED\]/);
    assert.equal(svc.status().state, 'stopped');
  });

  test('concurrent first runs start exactly one service', async () => {
    const svc = await servicePackage(await freePort());
    started.push({ pkg: svc.pkg, cache: svc.cache });
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => {
        return new Promise<Run>((resolve) => {
          const child = spawn(svc.pkg, [], {
            env: { PATH: process.env.PATH, HOME: path.join(dir, 'home'), FLAVOR_CACHE: svc.cache },
          });
          let stderr = '';
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
        });
      }),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.equal(runs.filter((r) => /started svc-test/.test(r.stderr)).length, 1);
    const pids = new Set(runs.map((r) => /pid (\d+)/.exec(r.stderr)?.[1]));
    assert.equal(pids.size, 1, `one pid everywhere: ${[...pids].join(', ')}`);
    assert.equal(String(svc.status().pid), [...pids][0]);
  });

  test('flavor pack --test-command starts the service from a throwaway cache, then stops it', async () => {
    const svc = await servicePackage(await freePort());
    const out = path.join(path.dirname(svc.pkg), 'tested.psp');
    const r = await runFlavor([
      'pack',
      '-m',
      path.join(path.dirname(svc.pkg), 'manifest.json'),
      '-o',
      out,
      '--test-command=',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /test: svc-test 1\.0\.0: stopped \(pid \d+\)/);
    await assert.rejects(get(svc.port), 'the tested service does not outlive the pack');
  });

  test('a named command with its own command line runs in the foreground, not as the service', async () => {
    const svc = await servicePackage(await freePort(), { admin: '/bin/echo admin tool ran' });
    const r = svc.run([], { FLAVOR_COMMAND: 'admin' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'admin tool ran\n');
    assert.equal(r.stderr, '');
    assert.equal(svc.status().state, 'stopped');
  });

  test('service commands on a package that is not a service are a usage error', async () => {
    const base = path.join(dir, 'plain');
    await fs.mkdir(base, { recursive: true });
    await fs.writeFile(
      path.join(base, 'manifest.json'),
      JSON.stringify({
        package: { name: 'plain', version: '1' },
        execution: { command: '/bin/true' },
        slots: [],
      }),
    );
    const pkg = path.join(base, 'plain.psp');
    assert.equal(
      (await runFlavor(['pack', '-q', '-m', path.join(base, 'manifest.json'), '-o', pkg])).code,
      0,
    );
    const r = handle(pkg, path.join(base, 'cache'), 0).cli('service', 'status');
    assert.equal(r.code, 105);
    assert.match(
      r.stderr,
      /plain 1 is not a service \(its metadata does not set runtime\.persistent\) \[USAGE\]/,
    );
  });
});

describe('service mode: examples/service packed from pyproject.toml, run with no host Python', {
  skip: skipExample,
}, () => {
  test('the first run starts the stdlib HTTP server in the background, the second finds it', async () => {
    const port = await freePort();
    const project = path.join(dir, 'example');
    await fs.cp(path.join(REPO_ROOT, 'examples', 'service'), project, {
      recursive: true,
      filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info)$/.test(src),
    });
    const toml = path.join(project, 'pyproject.toml');
    await fs.writeFile(toml, (await fs.readFile(toml, 'utf8')).replace('port = 8741', `port = ${port}`));
    const pkg = path.join(dir, 'service-demo.psp');
    const packed = await runFlavor(
      ['pack', '-q', '-m', toml, '-o', pkg, '--key-seed', 's', '--python', TEST_PYTHON!.path],
      { env: { FLAVOR_BUILD_CACHE: BUILD_CACHE }, timeoutMs: 600_000 },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const svc = handle(pkg, path.join(dir, 'example-cache'), port);
    started.push({ pkg, cache: svc.cache });
    const env = { PATH: '/usr/bin:/bin', HOME: path.join(dir, 'home'), FLAVOR_CACHE: svc.cache };

    const first = runWithoutPython([pkg], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /started service-demo 1\.0\.0 in the background/);
    const doc = JSON.parse(await get(port));
    assert.equal(doc.service, 'service-demo');
    assert.equal(doc.python, TEST_PYTHON!.version.split(/[^\d.]/)[0]);
    const { pid } = svc.status();
    assert.equal(doc.pid, pid);

    const second = runWithoutPython([pkg], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`already running \\(pid ${pid}, port ${port},`));
    assert.equal(svc.status().pid, pid);

    const stop = svc.cli('service', 'stop');
    assert.equal(stop.stdout, `service-demo 1.0.0: stopped (pid ${pid})\n`);
    assert.match(
      svc.cli('service', 'logs').stdout,
      /listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*service-demo stopped\n$/,
    );
  });
});
