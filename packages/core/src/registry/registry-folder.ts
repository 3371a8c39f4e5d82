import { join } from 'node:path';
import { readFolderIndex } from '../io/folder-index.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { checkName } from '../io/run-folder.js';
import type { GeneratorStageOptions, KeyStageOptions } from '../contracts/stage-options.js';
import { processAlive, withFileLock, type FileLockOptions } from '../util/file-lock.js';

/**
 * # The key registry (`attrib-registry/1`)
 *
 * A model vendor's registry maps user ids to keys and keyed generators of one root. It wraps a
 * run folder (made by `initRun`), whose root, data and first key it uses; users' keys live
 * beside it and are recorded only in registry.json.
 *
 * ```
 * REGISTRY/
 *   registry.json                  RegistryIndex: users, their keys, removed users
 *   registry.lock                  exists while a process changes registry.json
 *   run/                           the run made by `registry init`: root, data, key-1 (a key of
 *                                  the registry assigned to no user) and its generator
 *   keys/<key>.json, <key>.png     users' keys (attrib-key/1)
 *   generators/<key>/generator.ckpt  users' keyed generators
 *   removed/keys/..., removed/generators/<key>/  files of removed users (kept: their generators
 *                                  may still circulate, so new keys stay orthogonal to them)
 * ```
 *
 * Key vectors leave the registry only through {@link exportUserKey}. Every file is written
 * atomically; registry.json is changed only under the lock (read, change, write).
 */
export const REGISTRY_FORMAT = 'attrib-registry/1';

/** `key`: its key is being trained; `generator`: key written, generator being trained; `ready`. */
export type UserStatus = 'key' | 'generator' | 'ready';

/** One user of the registry. */
export interface RegistryUser {
  readonly user: string;
  /** Free metadata given when the user was added (`--meta k=v`). */
  meta: Record<string, string>;
  /** The key id (`key-<n>`, never reused). */
  readonly key: string;
  readonly createdAt: string;
  status: UserStatus;
  /** While not ready: the process adding the user (pid and host). */
  adding?: { readonly pid: number; readonly host: string };
  /** The keys this user's key was trained against (every key of the registry at that moment). */
  orthogonalTo?: string[];
  readyAt?: string;
  /** When the key was last exported, and to which file. */
  exported?: { readonly at: string; readonly file: string }[];
}

/** A user dropped by `registry remove`. */
export interface RemovedUser extends RegistryUser {
  readonly removedAt: string;
}

/** registry.json. */
export interface RegistryIndex {
  readonly format: typeof REGISTRY_FORMAT;
  readonly createdAt: string;
  updatedAt: string;
  /** Options every user's key and generator are trained with (recorded by `registry init`). */
  readonly training: { readonly keys: KeyStageOptions; readonly generators: GeneratorStageOptions };
  /** Number of the next key id to hand out. */
  nextKey: number;
  users: RegistryUser[];
  removed: RemovedUser[];
}

/** Paths inside a registry folder. */
export function registryPaths(dir: string) {
  return {
    index: join(dir, 'registry.json'),
    lock: join(dir, 'registry.lock'),
    run: join(dir, 'run'),
    keyFile: (key: string) => join(dir, 'keys', `${checkName('key id', key)}.json`),
    keyImage: (key: string) => join(dir, 'keys', `${checkName('key id', key)}.png`),
    generatorDir: (key: string) => join(dir, 'generators', checkName('key id', key)),
    generatorFile: (key: string) => join(dir, 'generators', checkName('key id', key), 'generator.ckpt'),
    removed: (...parts: string[]) => join(dir, 'removed', ...parts),
  };
}

/** Reads registry.json; a missing folder or index is a one-line error naming it. */
export async function readRegistryIndex(dir: string): Promise<RegistryIndex> {
  return readFolderIndex<RegistryIndex>(dir, registryPaths(dir).index, {
    folder: 'registry', document: 'an attrib registry index', madeBy: 'attrib registry init', format: REGISTRY_FORMAT,
  });
}

/**
 * Reads, changes and writes registry.json under the registry's lock, so that concurrent
 * processes lose none of each other's changes. `change` may throw (nothing is written) and
 * returns what this function returns.
 */
export async function updateRegistryIndex<T>(dir: string, change: (index: RegistryIndex) => T | Promise<T>, lock: FileLockOptions = {}): Promise<T> {
  await readRegistryIndex(dir);
  return withFileLock(registryPaths(dir).lock, async () => {
    const index = await readRegistryIndex(dir);
    const result = await change(index);
    index.updatedAt = new Date().toISOString();
    await writeJsonAtomic(registryPaths(dir).index, index);
    return result;
  }, lock);
}

/** Whether a user that is not ready is still being added by a live process (else it was interrupted). */
export function stillAdding(user: RegistryUser, host: string): boolean {
  return user.status !== 'ready' && user.adding !== undefined && (user.adding.host !== host || processAlive(user.adding.pid));
}

/** User ids are free text on one line; `key-<n>` is refused because verdicts name keys that way. */
export function checkUserId(user: string): string {
  if (user.trim() === '' || user !== user.trim() || user.length > 200 || /[\u0000-\u001f\u007f]/.test(user)) {
    throw new Error(`user id ${JSON.stringify(user)}: expected 1 to 200 characters on one line, without leading or trailing spaces`);
  }
  if (/^key-\d+$/.test(user)) throw new Error(`user id ${JSON.stringify(user)}: ids of the form key-<n> are reserved for keys`);
  return user;
}
