import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { RunFolder, type RunManifest } from '../io/run-folder.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** A hard link where the file system allows one (run files are replaced by rename, never rewritten), else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await link(from, to).catch(() => copyFile(from, to));
}

/**
 * Makes `dir` a new run with the same root, data and seed as the run in `base`, holding only
 * `keys` (default: every key with a generator) and their keyed generators: no robust generators,
 * no training states, no metrics, no pending job. The fork is built in a temporary folder and
 * renamed into place, so `dir` is either absent or a whole run. An existing run in `dir` is
 * left as it is (a resumed study reuses its forks).
 */
export async function forkRun(base: string, dir: string, keys?: readonly string[]): Promise<void> {
  if (await RunFolder.exists(dir)) return;
  if (await exists(dir)) throw new Error(`${dir}: exists and holds no run (manifest.json); expected a study's run folder or nothing`);
  const source = await RunFolder.open(resolve(base));
  const manifest = source.manifest;
  const ids = keys ?? manifest.keys.filter((id) => manifest.generators.includes(id));
  for (const id of ids) {
    if (!manifest.keys.includes(id)) throw new Error(`run ${base} has no key ${id} (keys: ${manifest.keys.join(', ') || 'none'})`);
  }
  const temporary = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const forked = RunFolder.manifestFile(temporary);
    const within = (file: string): string => join(temporary, relative(source.dir, file));
    if (!isAbsolute(manifest.root.checkpoint)) await linkOrCopy(join(base, manifest.root.checkpoint), join(temporary, manifest.root.checkpoint));
    for (const id of ids) {
      await linkOrCopy(source.keyFile(id), within(source.keyFile(id)));
      const image = source.path('keys', `${id}.png`);
      if (await exists(image)) await linkOrCopy(image, within(image));
      if (manifest.generators.includes(id)) await linkOrCopy(source.generatorFile(id), within(source.generatorFile(id)));
    }
    const now = new Date().toISOString();
    const units = new Set(['first', ...ids.flatMap((id) => [`keys/${id}`, `generators/${id}`])]);
    const { pending: _pending, ...rest } = manifest;
    const next: RunManifest = {
      ...rest, createdAt: now, updatedAt: now,
      keys: ids.slice(), generators: manifest.generators.filter((id) => ids.includes(id)), robust: {},
      progress: Object.fromEntries(Object.entries(manifest.progress).filter(([unit]) => units.has(unit))),
    };
    await writeJsonAtomic(forked, next);
    await mkdir(dirname(dir), { recursive: true });
    await rename(temporary, dir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}
