import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Prefix of the temporary files of attrib's atomic writes: `.attrib-tmp-<name>-<pid>-<host><random>`. */
export const TEMPORARY_PREFIX = '.attrib-tmp-';

/**
 * A temporary file left by a process of another machine (a shared folder) cannot be checked for
 * a live writer; it is removed once it is this old, which no write takes.
 */
export const FOREIGN_TEMPORARY_AGE_MS = 60 * 60 * 1000;

/** 8 hex digits naming this machine in temporary file names. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The temporary name of an atomic write of `name` by this process. */
export function temporaryName(name: string): string {
  return `${TEMPORARY_PREFIX}${name}-${process.pid}-${HOST}${randomBytes(4).toString('hex')}`;
}

/** Whether process `pid` of this machine is running (signal 0 tests without sending anything). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders this process has already cleaned (a folder is listed once, not on every write). */
const cleaned = new Set<string>();

/**
 * Removes the temporary files atomic writes left in `folder` when their process was killed
 * between writing and renaming; done on this process's first write to the folder. A file of this
 * machine is removed when its writer's process id no longer runs, so the writes of live processes
 * (concurrent registry additions) are left alone; a file of another machine (or of an older
 * naming) only once it is {@link FOREIGN_TEMPORARY_AGE_MS} old. Errors are ignored: cleaning is
 * best effort and never stops the write that triggered it.
 */
export async function removeStaleTemporaries(folder: string): Promise<void> {
  if (cleaned.has(folder)) return;
  cleaned.add(folder);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(TEMPORARY_PREFIX)) continue;
    const file = join(folder, name);
    const parts = /-(\d+)-([0-9a-f]{8})[0-9a-f]{8}$/.exec(name);
    const pid = Number(parts?.[1]);
    const local = parts !== null && parts[2] === HOST && Number.isSafeInteger(pid) && pid > 0;
    if (local) {
      if (alive(pid)) continue;
    } else {
      const age = await stat(file).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (age < FOREIGN_TEMPORARY_AGE_MS) continue;
    }
    await rm(file, { force: true }).catch(() => undefined);
  }
}
