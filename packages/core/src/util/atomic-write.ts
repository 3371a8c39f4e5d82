import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { removeStaleTemporaries, temporaryName } from './stale-temporaries.js';

/**
 * Writes `data` to `file` through a temporary file in the same folder and a rename, so a crash
 * leaves either the old file or the new one, never half of one. Creates the folder if needed, and
 * first removes the temporary files that killed writes left in it (see removeStaleTemporaries).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true });
  await removeStaleTemporaries(folder);
  const temporary = join(folder, temporaryName(basename(file)));
  try {
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** {@link writeFileAtomic} of a value as indented JSON with a final newline. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
