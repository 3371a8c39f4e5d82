import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Prefix of the temporary files of attrib's atomic writes: `.attrib-tmp-<name>-<pid>-<random>`. */
export const TEMPORARY_PREFIX = '.attrib-tmp-';

/** Whether process `pid` is running (signal 0 tests without sending anything). */
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
 * Removes the temporary files an atomic write left in `folder` when its process was killed
 * between writing and renaming; done on this process's first write to the folder. Only files
 * whose writer's process id no longer runs are removed, so the writes of other live processes
 * (concurrent registry additions) are left alone. Errors are ignored: cleaning is best effort
 * and never stops the write that triggered it.
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
    const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) continue;
    await rm(join(folder, name), { force: true }).catch(() => undefined);
  }
}
