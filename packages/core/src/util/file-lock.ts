import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

/** What a lock file holds: who took it, and when. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export interface FileLockOptions {
  /** Give up after waiting this long for a live holder (default 120 s). */
  readonly timeoutMs?: number;
  /** Called once when the lock is held by another process and this one starts waiting. */
  readonly onWait?: (holder: string) => void;
}

/** Polling interval while another process holds the lock. */
const POLL_MS = 25;
/** A lock file still empty after this long was left by a process that died while creating it. */
const EMPTY_LOCK_GRACE_MS = 5000;

/** Whether process `pid` of this machine is running (EPERM: it runs under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` while holding the exclusive lock `file`: the file is created with `wx` (fails if
 * it exists), holds `{ pid, host, since }` and is removed afterwards. A lock whose holder is a
 * process of this machine that no longer runs is stale and is broken: renamed away first, so of
 * two processes breaking it at once only one succeeds, and put back if it turns out to be a
 * fresh lock taken in between. A holder on another host cannot be checked and is waited for.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = Date.now();
  let warned = false;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    const handle = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return undefined;
      throw new Error(`${file}: cannot create lock file (${error.code ?? error.message})`);
    });
    if (handle) {
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      try {
        return await work();
      } finally {
        await rm(file, { force: true });
      }
    }
    const holder = await readOwner(file);
    if (holder === 'gone') continue;
    if (await isStale(file, holder)) {
      await breakStaleLock(file, holder);
      continue;
    }
    const who = holder === 'empty' ? 'a process that is creating it' : `process ${holder.pid} on ${holder.host} since ${holder.since}`;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${file}: locked by ${who} for more than ${Math.round(timeoutMs / 1000)} s; if no attrib process is using it, remove that file`);
    }
    if (!warned) {
      options.onWait?.(who);
      warned = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function readOwner(file: string): Promise<LockOwner | 'empty' | 'gone'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new Error(`${file}: cannot read lock file (${(error as Error).message})`);
  }
  if (text.trim() === '') return 'empty';
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isInteger(owner.pid) && typeof owner.host === 'string') return owner;
  } catch {
    // Not JSON: handled as unreadable below.
  }
  throw new Error(`${file}: not an attrib lock file (expected {"pid", "host", "since"}); remove it if no attrib process is running`);
}

async function isStale(file: string, holder: LockOwner | 'empty'): Promise<boolean> {
  if (holder === 'empty') {
    const info = await stat(file).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS;
  }
  return holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid);
}

async function breakStaleLock(file: string, holder: LockOwner | 'empty'): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const taken = await readOwner(aside).catch(() => 'gone' as const);
  const same = holder === 'empty' ? taken === 'empty' : taken !== 'empty' && taken !== 'gone' && taken.pid === holder.pid && taken.since === holder.since;
  // Another process replaced the stale lock with its own between our read and the rename: give it back.
  if (!same) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}
