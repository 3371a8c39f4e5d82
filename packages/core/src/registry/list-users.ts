import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { ImageShape } from '../contracts/image.js';
import { RunFolder } from '../io/run-folder.js';
import { readRegistryIndex, registryPaths, stillAdding, type RegistryUser } from './registry-folder.js';

/** A user as `registry list` shows it: never its key vector. */
export interface UserListing {
  readonly user: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly key: string;
  readonly createdAt: string;
  /** `adding`: a live process is training it; `interrupted`: that process ended (add the user again to finish). */
  readonly status: 'ready' | 'adding' | 'interrupted';
  readonly exports: number;
  readonly removedAt?: string;
}

export interface RegistryListing {
  readonly dir: string;
  readonly adapter: string;
  readonly imageShape: ImageShape;
  /** Keys of the wrapped run, assigned to no user. */
  readonly registryKeys: readonly string[];
  readonly users: readonly UserListing[];
  readonly removed: readonly UserListing[];
}

/** `attrib registry list`: the users and their key ids, metadata and dates. */
export async function listRegistry(dirInput: string): Promise<RegistryListing> {
  const dir = resolve(dirInput);
  const index = await readRegistryIndex(dir);
  const run = await RunFolder.open(registryPaths(dir).run);
  const host = hostname();
  const listing = (u: RegistryUser & { removedAt?: string }): UserListing => ({
    user: u.user, meta: { ...u.meta }, key: u.key, createdAt: u.createdAt,
    status: u.status === 'ready' ? 'ready' : stillAdding(u, host) ? 'adding' : 'interrupted',
    exports: u.exported?.length ?? 0, ...(u.removedAt ? { removedAt: u.removedAt } : {}),
  });
  return {
    dir, adapter: run.manifest.adapter, imageShape: run.manifest.imageShape, registryKeys: run.manifest.keys,
    users: index.users.map(listing), removed: index.removed.map(listing),
  };
}
