import { isIP } from 'node:net';
import type { ConnectionOptions } from 'bullmq';

/** A Redis server named by a `redis://` or `rediss://` URL, parsed for BullMQ. */
export interface QueueAddress {
  /** The URL with any password replaced by `***`, for messages. */
  readonly display: string;
  /** ioredis options: host, port, database, user, password, TLS for `rediss://`. */
  readonly connection: ConnectionOptions;
}

/**
 * Parses `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]` (`rediss://` for TLS); the port defaults to
 * 6379 and the database to 0. Anything else is a one-line error naming `flag` and the value.
 */
export function parseQueueUrl(url: string, flag = '--queue'): QueueAddress {
  const expected = 'expected redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB], optionally with USER:PASSWORD@ before the host';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${flag} ${url}: not a URL; ${expected}`);
  }
  const display = parsed.password ? url.replace(`:${parsed.password}@`, ':***@') : url;
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`${flag} ${display}: ${expected}`);
  if (!parsed.hostname) throw new Error(`${flag} ${display}: no host; ${expected}`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new Error(`${flag} ${display}: database "${path}" is not a number; ${expected}`);
  if (parsed.search || parsed.hash) throw new Error(`${flag} ${display}: unexpected query or fragment; ${expected}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: ConnectionOptions = {
    host,
    port: parsed.port ? Number(parsed.port) : 6379,
    db: path === '' ? 0 : Number(path),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    // SNI names a host, never an address (RFC 6066); the certificate is checked against either.
    ...(parsed.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
    // BullMQ's workers block on Redis commands and must wait through reconnections.
    maxRetriesPerRequest: null,
  };
  return { display, connection };
}
