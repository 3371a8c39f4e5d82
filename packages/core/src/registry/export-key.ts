import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { registryPaths, updateRegistryIndex } from './registry-folder.js';

export interface ExportUserKeyResult {
  readonly user: string;
  readonly key: string;
  /** The key file written (attrib-key/1). */
  readonly file: string;
}

/**
 * `attrib registry export`: the only way a key leaves the registry. Writes the user's key file
 * (attrib-key/1) to `out`, which must not exist yet, and records the export in registry.json.
 */
export async function exportUserKey(dirInput: string, user: string, outInput: string): Promise<ExportUserKeyResult> {
  const dir = resolve(dirInput);
  const out = resolve(outInput);
  const paths = registryPaths(dir);
  return updateRegistryIndex(dir, async (index) => {
    const entry = index.users.find((u) => u.user === user);
    if (!entry) {
      const known = index.users.map((u) => u.user);
      throw new Error(`user ${JSON.stringify(user)} is not in registry ${dir} (users: ${known.length ? known.join(', ') : 'none'})`);
    }
    if (entry.status !== 'ready') throw new Error(`user ${user} is not ready yet (its ${entry.status === 'key' ? 'key' : 'generator'} is not finished); nothing exported`);
    if (await stat(out).then(() => true, () => false)) throw new Error(`--out ${out} already exists; expected a new file (nothing is overwritten)`);
    await writeFileAtomic(out, await readFile(paths.keyFile(entry.key)));
    entry.exported = [...(entry.exported ?? []), { at: new Date().toISOString(), file: out }];
    return { user, key: entry.key, file: out };
  });
}
