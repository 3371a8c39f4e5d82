import { resolve } from 'node:path';
import type { Key } from '../contracts/key.js';
import type { Verdict } from '../identify/verdict.js';
import { RunFolder } from '../io/run-folder.js';
import { readRegistryIndex, registryPaths } from './registry-folder.js';
import { loadRegistryKey } from './registry-keys.js';

/** Keys to identify with, and how to name them in verdicts. */
export interface LabelledKeys {
  /** The caller disposes them. */
  readonly keys: Key[];
  /** The folder they came from. */
  readonly source: string;
  /** Names each key's verdicts by its user where it has one. */
  readonly label: <V extends Verdict>(verdict: V) => V;
}

/**
 * The keys of a registry for `identify`: its run's keys (named by key id: they belong to no
 * user) and every ready user's key (named by user id).
 */
export async function openRegistryKeys(dirInput: string): Promise<LabelledKeys> {
  const dir = resolve(dirInput);
  const index = await readRegistryIndex(dir);
  const runKeys = (await RunFolder.open(registryPaths(dir).run)).manifest.keys;
  const users = index.users.filter((u) => u.status === 'ready');
  const names = new Map(users.map((u) => [u.key, u.user]));
  const keys: Key[] = [];
  try {
    for (const id of [...runKeys, ...users.map((u) => u.key)]) keys.push(await loadRegistryKey(dir, runKeys, id));
  } catch (error) {
    keys.forEach((k) => k.dispose());
    throw error;
  }
  const name = (id: string) => names.get(id) ?? id;
  return {
    keys, source: dir,
    label: (verdict) => ({
      ...verdict,
      ...(verdict.key !== undefined ? { key: name(verdict.key) } : {}),
      claimedBy: verdict.claimedBy.map(name),
      ...(verdict.claimant !== undefined ? { claimant: name(verdict.claimant) } : {}),
      scores: verdict.scores.map((s) => ({ ...s, key: name(s.key) })),
    }),
  };
}
