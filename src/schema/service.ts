// Service mode, the one rule for every input that carries it (build manifests' `runtime`, pyproject's
// [tool.flavor.runtime], and the signed metadata's `runtime`, which the Go launcher checks the same way):
//   persistent = true   the launcher starts the app once in the background and returns (docs/launcher.md)
//   port = 8000         the loopback TCP port its health check connects to; only with persistent = true

import type { Checker, Table } from './checker.js';

export interface ServiceSpec {
  persistent: true;
  /** 1..65535: the launcher waits until 127.0.0.1:port accepts a connection. */
  port?: number;
}

export const SERVICE_KEYS = ['persistent', 'port'] as const;

/**
 * Reads `persistent` and `port` from `table` (fields named `<prefix>.persistent`, `<prefix>.port`);
 * undefined when the package is not a service. A port without persistent = true is an error.
 */
export function parseService(check: Checker, table: Table, prefix: string): ServiceSpec | undefined {
  const { persistent, port } = table;
  if (persistent !== undefined && typeof persistent !== 'boolean') {
    check.fail(`${prefix}.persistent`, 'true or false', persistent);
  }
  if (port !== undefined) {
    if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < 1 || port > 65535) {
      check.fail(`${prefix}.port`, 'a TCP port number from 1 to 65535', port);
    }
    if (persistent !== true) check.fail(`${prefix}.port`, 'no port unless persistent is true', port);
  }
  if (persistent !== true) return undefined;
  return port === undefined ? { persistent } : { persistent, port: port as number };
}
