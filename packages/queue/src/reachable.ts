import type { QueueAddress } from './address.js';

/** How long a command waits for Redis before it gives up. */
const CONNECT_MS = 10_000;

/** Errors that waiting cannot mend: the server refused the password or the user. */
const REFUSED = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i;

/** Something that reports its connection's errors (a BullMQ Queue or QueueEvents). */
interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Waits for `ready` (a connection to `address`). A refused password fails at once; anything else
 * (no server, TLS refused) after 10 s, with the last connection error. Both are one-line errors
 * naming the server (its password hidden).
 */
export async function reachable<T>(address: QueueAddress, ready: Promise<T>, sources: readonly ErrorSource[] = []): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let last: string | undefined;
  let refuse: (error: Error) => void = () => undefined;
  const refused = new Promise<never>((_, reject) => (refuse = reject));
  const onError = (error: Error): void => {
    last = error.message.split('\n')[0];
    if (REFUSED.test(last)) refuse(new Error(`Redis at ${address.display} refused the connection: ${last}`));
  };
  for (const source of sources) source.on('error', onError);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${address.display} within ${CONNECT_MS / 1000} s${last ? ` (${last})` : ''}: is redis-server running there?`)), CONNECT_MS);
  });
  try {
    return await Promise.race([ready, timeout, refused]);
  } finally {
    clearTimeout(timer);
    for (const source of sources) source.off('error', onError);
  }
}
