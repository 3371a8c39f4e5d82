import { stat } from 'node:fs/promises';
import { loadKey } from '../keys/key-file.js';
import type { LinearKey } from '../keys/linear-key.js';
import { RunFolder } from '../io/run-folder.js';
import { registryPaths, type RegistryIndex } from './registry-folder.js';

/**
 * Every key the registry has issued and recorded, in order: the wrapped run's keys, then users'
 * (present and removed) whose key is written. New keys are trained orthogonal to all of them.
 */
export function issuedKeys(index: RegistryIndex, runKeys: readonly string[]): string[] {
  const users = [...index.users, ...index.removed].filter((u) => u.status !== 'key').map((u) => u.key);
  return [...runKeys, ...users.sort((a, b) => keyNumber(a) - keyNumber(b))];
}

/** A key of the registry by id: from the wrapped run, keys/ or removed/keys/. The caller disposes it. */
export async function loadRegistryKey(dir: string, runKeys: readonly string[], id: string): Promise<LinearKey> {
  const paths = registryPaths(dir);
  if (runKeys.includes(id)) return (await RunFolder.open(paths.run)).readKey(id);
  const file = paths.keyFile(id);
  const removed = paths.removed('keys', `${id}.json`);
  const exists = await stat(file).then(() => true, () => false);
  if (!exists && (await stat(removed).then(() => true, () => false))) return loadKey(removed);
  return loadKey(file);
}

function keyNumber(id: string): number {
  return Number(/^key-(\d+)$/.exec(id)?.[1] ?? 0);
}
