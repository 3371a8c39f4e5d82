import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Generator } from '../contracts/generator.js';
import type { StageContext } from '../engine/context.js';
import { trainKeyedGenerator } from '../engine/generator-stage.js';
import { trainKey } from '../engine/key-stage.js';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { openRunSession, type RunSession } from '../engine/runs/session.js';
import { saveGenerator } from '../io/generator-file.js';
import { keyImage } from '../io/run-folder-images.js';
import { writePng } from '../io/png.js';
import { saveKey } from '../keys/key-file.js';
import type { LinearKey } from '../keys/linear-key.js';
import { createRng } from '../util/rng.js';
import { issuedKeys, loadRegistryKey } from './registry-keys.js';
import {
  checkUserId, readRegistryIndex, registryPaths, stillAdding, updateRegistryIndex, type RegistryIndex, type RegistryUser, type UserStatus,
} from './registry-folder.js';

export interface AddUserRequest {
  readonly dir: string;
  readonly user: string;
  /** Free metadata recorded with the user. */
  readonly meta?: Readonly<Record<string, string>>;
}

export interface AddUserResult {
  readonly dir: string;
  readonly user: string;
  readonly key: string;
  /** The keys the new key was trained against: every key of the registry when it was recorded. */
  readonly orthogonalTo: readonly string[];
  /** Trainings of the key (more than 1 when other processes recorded keys meanwhile). */
  readonly keyTrainings: number;
  /** True when this call finished an interrupted addition of the same user. */
  readonly resumed: boolean;
  /** The generator's last end-of-epoch report (keyedShare, distinguishability, ...). */
  readonly report: Readonly<Record<string, number>>;
}

/** Trainings of one key before giving up when other processes keep recording keys. */
const MAX_KEY_TRAININGS = 5;

/**
 * `attrib registry add`: gives `user` a new key, orthogonal to every key the registry has issued
 * (removed users' included), and a keyed generator trained from the root, with the options
 * recorded by `registry init`.
 *
 * Concurrency: the key id is handed out and the user recorded (status `key`) under the
 * registry's lock; the training runs outside it. The key is trained against the keys recorded at
 * its start; when it is recorded (under the lock) and another process has recorded a key
 * meanwhile, it is trained again against all of them. An addition interrupted by a crash is
 * finished by adding the same user again (from its generator when its key was recorded).
 */
export async function addUser(services: RunServices, request: AddUserRequest, hooks: RunHooks = {}): Promise<AddUserResult> {
  const dir = resolve(request.dir);
  const user = checkUserId(request.user);
  const meta = checkMeta(request.meta ?? {});
  const paths = registryPaths(dir);
  const first = await readRegistryIndex(dir);
  const known = first.users.find((u) => u.user === user);
  if (known?.status === 'ready') throw alreadyThere(dir, known);
  const session = await openRunSession(services, paths.run);
  try {
    const lock = lockOptions(paths.lock, hooks);
    const reserved = await reserve(dir, user, meta, lock);
    const { key: keyId } = reserved;
    hooks.log?.(reserved.resumed ? `continuing the interrupted addition of user ${user} (${keyId})` : `user ${user} gets ${keyId}`);
    try {
      const ctx: StageContext = { root: session.root, data: session.data, rng: createRng(session.folder.manifest.seed), onEvent: hooks.onEvent };
      let key: LinearKey;
      let orthogonalTo: string[];
      let keyTrainings = 0;
      if (reserved.status === 'key') {
        ({ key, orthogonalTo, trainings: keyTrainings } = await trainRecordedKey(ctx, session, first.training.keys, dir, user, keyId, hooks, lock));
      } else {
        key = await loadRegistryKey(dir, runKeys(session), keyId);
        orthogonalTo = (await readRegistryIndex(dir)).users.find((u) => u.user === user)?.orthogonalTo ?? [];
      }
      let report: Record<string, number>;
      try {
        report = await writeRegistryGenerator(ctx, dir, keyId, key, first.training.generators);
      } finally {
        key.dispose();
      }
      await markReady(dir, user, keyId, lock);
      hooks.log?.(`user ${user} added with ${keyId} and its generator`);
      return { dir, user, key: keyId, orthogonalTo, keyTrainings, resumed: reserved.resumed, report };
    } catch (error) {
      await forget(dir, user, keyId).catch(() => undefined);
      throw error;
    }
  } finally {
    session.dispose();
  }
}

export type Lock = { onWait: (who: string) => void };

export function lockOptions(file: string, hooks: RunHooks): Lock {
  return { onWait: (who: string) => hooks.log?.(`waiting for ${file}, held by ${who}`) };
}

/**
 * Records under the lock that this process adds `user`: a new entry with the next key id, or the
 * entry of an interrupted addition of the same user (then `resumed`).
 */
export async function reserve(dir: string, user: string, meta: Record<string, string>, lock: Lock): Promise<{ key: string; status: UserStatus; resumed: boolean }> {
  const me = { pid: process.pid, host: hostname() };
  return updateRegistryIndex(dir, (index) => {
    const existing = index.users.find((u) => u.user === user);
    if (existing) {
      if (existing.status === 'ready') throw alreadyThere(dir, existing);
      if (stillAdding(existing, me.host)) {
        throw new Error(`user ${user} is being added to registry ${dir} by process ${existing.adding!.pid} on ${existing.adding!.host}`);
      }
      existing.adding = me;
      if (Object.keys(meta).length > 0) existing.meta = meta;
      return { key: existing.key, status: existing.status, resumed: true };
    }
    const key = `key-${index.nextKey}`;
    index.nextKey += 1;
    index.users.push({ user, meta, key, createdAt: new Date().toISOString(), status: 'key', adding: me });
    return { key, status: 'key' as UserStatus, resumed: false };
  }, lock);
}

/** Records under the lock that this process's addition of `user` is finished. */
export async function markReady(dir: string, user: string, keyId: string, lock: Lock): Promise<void> {
  await updateRegistryIndex(dir, (index) => {
    const entry = ownEntry(index, dir, user, keyId);
    entry.status = 'ready';
    entry.readyAt = new Date().toISOString();
    delete entry.adding;
  }, lock);
}

/** Trains the keyed generator of `key` from the root and writes it (atomically); returns its last end-of-epoch report. */
async function writeRegistryGenerator(
  ctx: StageContext, dir: string, keyId: string, key: LinearKey, options: RegistryIndex['training']['generators'],
): Promise<Record<string, number>> {
  let generator: Generator | undefined;
  try {
    const result = await trainKeyedGenerator(ctx, key, options);
    generator = result.generator;
    await saveGenerator(registryPaths(dir).generatorFile(keyId), generator, { key: keyId, ...(result.gamma !== undefined ? { gamma: result.gamma } : {}) });
    return { ...(result.history.at(-1)?.report ?? {}) };
  } finally {
    generator?.dispose();
  }
}

/**
 * Trains and writes the keyed generator of `user`'s recorded key (status `generator`) with the
 * registry's options, without recording anything in registry.json (the adding process does):
 * what `registry add --count --queue` hands to a queue worker, and what it runs here without one.
 * The generator depends only on the key, the root and the seed, so a second run writes the same
 * bytes. Returns its last end-of-epoch report.
 */
export async function trainRegistryGenerator(
  services: RunServices, dir: string, user: string, keyId: string, hooks: RunHooks = {},
): Promise<Record<string, number>> {
  const index = await readRegistryIndex(dir);
  const entry = index.users.find((u) => u.user === user && u.key === keyId);
  if (!entry || entry.status === 'key') {
    throw new Error(`registry ${dir}: user ${user} has no recorded key ${keyId} (${entry ? 'its key is still being trained' : 'no such user and key'})`);
  }
  const session = await openRunSession(services, registryPaths(dir).run);
  try {
    const key = await loadRegistryKey(dir, runKeys(session), keyId);
    try {
      const ctx: StageContext = { root: session.root, data: session.data, rng: createRng(session.folder.manifest.seed), onEvent: hooks.onEvent };
      return await writeRegistryGenerator(ctx, dir, keyId, key, index.training.generators);
    } finally {
      key.dispose();
    }
  } finally {
    session.dispose();
  }
}

/**
 * Trains the key against the registry's issued keys and records it (file, then status
 * `generator`) under the lock, training it again when keys were recorded in the meantime.
 */
export async function trainRecordedKey(
  ctx: StageContext, session: RunSession, options: RegistryIndex['training']['keys'], dir: string, user: string, keyId: string,
  hooks: RunHooks, lock: Lock,
): Promise<{ key: LinearKey; orthogonalTo: string[]; trainings: number }> {
  const paths = registryPaths(dir);
  for (let trainings = 1; ; trainings += 1) {
    const against = issuedKeys(await readRegistryIndex(dir), runKeys(session));
    const previous: LinearKey[] = [];
    let key: LinearKey;
    try {
      for (const id of against) previous.push(await loadRegistryKey(dir, runKeys(session), id));
      ({ key } = await trainKey(ctx, previous, keyId, options));
    } finally {
      previous.forEach((k) => k.dispose());
    }
    try {
      const missed = await updateRegistryIndex(dir, async (index) => {
        const entry = ownEntry(index, dir, user, keyId);
        const newer = issuedKeys(index, runKeys(session)).filter((id) => !against.includes(id));
        if (newer.length > 0) return newer;
        await saveKey(paths.keyFile(keyId), key);
        await writePng(paths.keyImage(keyId), await keyImage(key));
        entry.status = 'generator';
        entry.orthogonalTo = against;
        return [];
      }, lock);
      if (missed.length === 0) return { key, orthogonalTo: against, trainings };
      if (trainings >= MAX_KEY_TRAININGS) {
        throw new Error(`key ${keyId} of user ${user}: other processes recorded keys during each of ${trainings} trainings; add the user again when fewer additions run at once`);
      }
      hooks.log?.(`${missed.join(', ')} recorded by another process meanwhile; training ${keyId} again against ${missed.length === 1 ? 'it' : 'them'} too`);
    } catch (error) {
      key.dispose();
      throw error;
    }
    key.dispose();
  }
}

/** This process's entry of the user being added; an error if it was removed or taken over. */
function ownEntry(index: RegistryIndex, dir: string, user: string, keyId: string): RegistryUser {
  const entry = index.users.find((u) => u.user === user && u.key === keyId);
  if (!entry || entry.adding?.pid !== process.pid || entry.adding.host !== hostname()) {
    throw new Error(`user ${user} (${keyId}) was removed from registry ${dir} or taken over by another process while being added`);
  }
  return entry;
}

/** After a failed addition: drops this process's entry of the user and the files it wrote. */
export async function forget(dir: string, user: string, keyId: string): Promise<void> {
  const paths = registryPaths(dir);
  const mine = await updateRegistryIndex(dir, (index) => {
    const at = index.users.findIndex((u) => u.user === user && u.key === keyId && u.adding?.pid === process.pid && u.adding.host === hostname());
    if (at >= 0) index.users.splice(at, 1);
    return at >= 0;
  });
  if (!mine) return;
  await rm(paths.keyFile(keyId), { force: true });
  await rm(paths.keyImage(keyId), { force: true });
  await rm(paths.generatorDir(keyId), { recursive: true, force: true });
}

/** The keys of the wrapped run (key-1). */
function runKeys(session: RunSession): string[] {
  return session.folder.manifest.keys;
}

function alreadyThere(dir: string, user: RegistryUser): Error {
  return new Error(`user ${user.user} is already in registry ${dir} (${user.key}); remove it first to give it a new key`);
}

export function checkMeta(meta: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, value] of Object.entries(meta)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`metadata name ${JSON.stringify(name)}: expected letters, digits, '.', '_' or '-'`);
    if (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value)) throw new Error(`metadata ${name}: expected text on one line`);
  }
  return { ...meta };
}
