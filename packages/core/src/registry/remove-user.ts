import { mkdir, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { registryPaths, stillAdding, updateRegistryIndex } from './registry-folder.js';

export interface RemoveUserResult {
  readonly dir: string;
  readonly user: string;
  readonly key: string;
  /** Files moved into removed/ (relative to the registry folder). */
  readonly moved: readonly string[];
}

/**
 * `attrib registry remove`: drops `user` from the registry. Its key and generator files are
 * MOVED to removed/ (not deleted): its generator may still be in circulation, so keys added
 * later stay orthogonal to its key. A user still being added by a live process is refused.
 */
export async function removeUser(dirInput: string, user: string): Promise<RemoveUserResult> {
  const dir = resolve(dirInput);
  const paths = registryPaths(dir);
  return updateRegistryIndex(dir, async (index) => {
    const at = index.users.findIndex((u) => u.user === user);
    if (at < 0) {
      const known = index.users.map((u) => u.user);
      throw new Error(`user ${JSON.stringify(user)} is not in registry ${dir} (users: ${known.length ? known.join(', ') : 'none'})`);
    }
    const entry = index.users[at]!;
    if (stillAdding(entry, hostname())) {
      throw new Error(`user ${user} is being added to registry ${dir} by process ${entry.adding!.pid} on ${entry.adding!.host}; remove it when that has finished`);
    }
    const moves: [string, string, string][] = [
      [paths.keyFile(entry.key), paths.removed('keys', `${entry.key}.json`), `removed/keys/${entry.key}.json`],
      [paths.keyImage(entry.key), paths.removed('keys', `${entry.key}.png`), `removed/keys/${entry.key}.png`],
      [paths.generatorDir(entry.key), paths.removed('generators', entry.key), `removed/generators/${entry.key}`],
    ];
    const moved: string[] = [];
    for (const [from, to, name] of moves) {
      await mkdir(dirname(to), { recursive: true });
      const done = await rename(from, to).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw new Error(`${from}: cannot move to ${to} (${error.code ?? error.message})`);
      });
      if (done) moved.push(name);
    }
    index.users.splice(at, 1);
    const { adding: _adding, ...kept } = entry;
    index.removed.push({ ...kept, removedAt: new Date().toISOString() });
    return { dir, user, key: entry.key, moved };
  });
}
