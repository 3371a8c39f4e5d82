import { resolve } from 'node:path';
import type { LinearKey } from '../../keys/linear-key.js';
import { trainKey, type KeyRootSamples } from '../key-stage.js';
import { resolveOptions, type KeyStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob } from './session.js';

export interface AddKeysRequest {
  readonly dir: string;
  /** Keys to add (a positive integer); ignored when resuming a pending keys job. */
  readonly count?: number;
  readonly options?: OptionsInput<KeyStageOptions>;
  /** Finish the pending keys job (with its recorded options) instead of refusing to start. */
  readonly resume?: boolean;
  /** The root's images made ahead (runPipeline makes them in a worker thread during the first stage). */
  readonly rootSamples?: KeyRootSamples;
}

export interface AddKeysResult {
  readonly dir: string;
  /** Keys this call finished. */
  readonly added: readonly string[];
  readonly keys: readonly string[];
}

/** `key-<n>` ids after the highest existing number. */
export function nextKeyIds(existing: readonly string[], count: number): string[] {
  const highest = existing.reduce((max, id) => Math.max(max, Number(/^key-(\d+)$/.exec(id)?.[1] ?? 0)), 0);
  return Array.from({ length: count }, (_, i) => `key-${highest + 1 + i}`);
}

/**
 * `attrib keys add`: trains `count` more keys (stage "keys"), each against the frozen root, the
 * real data and every key before it, and writes each as soon as it is finished. The job is
 * recorded in the manifest first; `resume` continues it after the last finished epoch.
 */
export async function addKeys(services: RunServices, request: AddKeysRequest, hooks: RunHooks = {}): Promise<AddKeysResult> {
  const dir = resolve(request.dir);
  const planned = request.count;
  if (!request.resume || planned !== undefined) {
    if (planned === undefined || !Number.isInteger(planned) || planned <= 0) throw new Error(`count ${planned}: expected a positive integer number of keys to add`);
  }
  const options = resolveOptions('keys', request.options ?? {});
  const session = await openRunSession(services, dir);
  const added: string[] = [];
  try {
    const { folder } = session;
    if (!folder.manifest.keys.includes('key-1')) throw new Error(`run ${dir} has no first key yet; run \`attrib keys init\` (or finish it with --resume)`);
    const pending = folder.manifest.pending;
    if (request.resume && !pending && planned === undefined) {
      hooks.log?.(`run ${dir} has no unfinished keys job`);
      return { dir, added, keys: folder.manifest.keys };
    }
    const job = await startJob(folder, 'keys', request.resume ?? false, () => ({
      stage: 'keys', keys: nextKeyIds(folder.manifest.keys, planned!), options: { ...options }, startedAt: new Date().toISOString(),
    }), hooks.log);
    const ctx = session.stageContext('keys', hooks);
    for (const id of job.keys) {
      if (folder.manifest.keys.includes(id)) continue;
      const previous = await session.loadKeys(folder.manifest.keys);
      let key: LinearKey | undefined;
      try {
        ({ key } = await trainKey(ctx, previous, id, job.options as OptionsInput<KeyStageOptions>, request.rootSamples));
        await folder.writeKey(key);
        await folder.update((m) => m.keys.push(id));
        added.push(id);
        hooks.log?.(`${id} written`);
        hooks.onKeyAdded?.(id);
      } finally {
        previous.forEach((k) => k.dispose());
        key?.dispose();
      }
    }
    await finishJob(folder);
    return { dir, added, keys: folder.manifest.keys };
  } finally {
    session.dispose();
  }
}
