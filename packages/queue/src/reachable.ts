import type { QueueAddress } from './address.js';

/** How long a command waits for Redis before it gives up. */
const CONNECT_MS = 10_000;

/** Waits for `ready` (a connection to `address`), or fails after 10 s with a one-line error naming the server. */
export async function reachable<T>(address: QueueAddress, ready: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${address.display} within ${CONNECT_MS / 1000} s: is redis-server running there?`)), CONNECT_MS);
  });
  try {
    return await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
