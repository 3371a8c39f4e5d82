import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { StageContext } from '../engine/context.js';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { openRunSession } from '../engine/runs/session.js';
import type { RemoteTask, TaskDispatcher } from '../engine/runs/workers/remote-task.js';
import { createRng } from '../util/rng.js';
import { checkMeta, forget, lockOptions, markReady, reserve, trainRecordedKey, trainRegistryGenerator } from './add-user.js';
import { checkUserId, readRegistryIndex, registryPaths } from './registry-folder.js';

export interface AddUsersRequest {
  readonly dir: string;
  /** The users to add, in this order (their keys are trained one after another, each orthogonal to the earlier ones). */
  readonly users: readonly string[];
  /** Metadata recorded with every user. */
  readonly meta?: Readonly<Record<string, string>>;
  /**
   * Where the users' keyed generators are trained: without one, here, one after another; with
   * one (a job queue), by its workers, with the same results.
   */
  readonly dispatcher?: TaskDispatcher | undefined;
}

/** One user added by {@link addUsers}. */
export interface AddedUser {
  readonly user: string;
  readonly key: string;
  readonly orthogonalTo: readonly string[];
  /** True when this call finished an interrupted addition of the user. */
  readonly resumed: boolean;
  /** The generator's last end-of-epoch report. */
  readonly report: Readonly<Record<string, number>>;
}

export interface AddUsersResult {
  readonly dir: string;
  /** The users added now, in the order asked for. */
  readonly added: readonly AddedUser[];
  /** Users that were already ready (added earlier): left as they were. */
  readonly skipped: readonly string[];
}

/**
 * `attrib registry add --count N`: provisions several users. Their keys are trained here one after
 * another (each orthogonal to every key issued before it, as N calls of {@link addUser} would
 * make them) and recorded; each user's keyed generator, which needs only its key, is trained
 * right after its key, here or by `dispatcher`'s workers (a job queue: then while the next keys
 * are trained here), written by {@link trainRegistryGenerator}; each user is recorded ready as
 * its generator arrives. Users already ready are skipped, and
 * an interrupted provisioning is finished by running it again: users whose key was recorded
 * keep it and only get their generator. The results do not depend on where the generators ran.
 */
export async function addUsers(services: RunServices, request: AddUsersRequest, hooks: RunHooks = {}): Promise<AddUsersResult> {
  const dir = resolve(request.dir);
  const users = request.users.map((u) => checkUserId(u));
  const repeated = users.find((u, i) => users.indexOf(u) !== i);
  if (repeated !== undefined) throw new Error(`user ${repeated} is asked for twice`);
  const meta = checkMeta(request.meta ?? {});
  const paths = registryPaths(dir);
  const first = await readRegistryIndex(dir);
  const ready = new Set(first.users.filter((u) => u.status === 'ready').map((u) => u.user));
  const skipped = users.filter((u) => ready.has(u));
  if (skipped.length > 0) hooks.log?.(`already in the registry, left as they are: ${skipped.join(', ')}`);
  const lock = lockOptions(paths.lock, hooks);
  const pending: { user: string; key: string; orthogonalTo: string[]; resumed: boolean }[] = [];
  const reports = new Map<string, Record<string, number>>();
  const finished = async (index: number, report: Record<string, number>): Promise<void> => {
    const { user, key } = pending[index]!;
    await markReady(dir, user, key, lock);
    reports.set(user, report);
    hooks.log?.(`user ${user} added with ${key} and its generator`);
  };
  const session = await openRunSession(services, paths.run);
  try {
    const ctx: StageContext = { root: session.root, data: session.data, rng: createRng(session.folder.manifest.seed), onEvent: hooks.onEvent };
    /** Trains and records the users' keys one after another, yielding each user's generator task once its key is recorded. */
    async function* recordKeys(): AsyncGenerator<RemoteTask> {
      for (const user of users.filter((u) => !ready.has(u))) {
        const reserved = await reserve(dir, user, meta, lock);
        hooks.log?.(reserved.resumed ? `continuing the interrupted addition of user ${user} (${reserved.key})` : `user ${user} gets ${reserved.key}`);
        let orthogonalTo: string[];
        if (reserved.status === 'key') {
          try {
            const trained = await trainRecordedKey(ctx, session, first.training.keys, dir, user, reserved.key, hooks, lock);
            trained.key.dispose();
            orthogonalTo = trained.orthogonalTo;
          } catch (error) {
            await forget(dir, user, reserved.key).catch(() => undefined);
            throw error;
          }
        } else {
          orthogonalTo = (await readRegistryIndex(dir)).users.find((u) => u.user === user)?.orthogonalTo ?? [];
        }
        pending.push({ user, key: reserved.key, orthogonalTo, resumed: reserved.resumed });
        yield { kind: 'registry-generator', dir, user, key: reserved.key };
      }
    }
    if (request.dispatcher) {
      // Generators are trained by the workers while the next keys are trained here.
      await request.dispatcher.run<Record<string, number>>({ backend: tf.getBackend(), prod: tf.env().getBool('PROD') }, recordKeys(), {
        onNote: (note) => {
          if (note.type === 'event') hooks.onEvent?.(note.event);
        },
        onDone: (report, index) => finished(index, report),
      });
    } else {
      let index = 0;
      for await (const task of recordKeys()) {
        if (task.kind === 'registry-generator') await finished(index, await trainRegistryGenerator(services, dir, task.user, task.key, hooks));
        index += 1;
      }
    }
  } finally {
    session.dispose();
  }
  return { dir, added: pending.map((p) => ({ ...p, report: reports.get(p.user)! })), skipped };
}
