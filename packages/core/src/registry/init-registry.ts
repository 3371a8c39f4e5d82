import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { resolveOptions, type FirstStageOptions, type GeneratorStageOptions, type KeyStageOptions, type OptionsInput } from '../contracts/stage-options.js';
import { initRun, type InitRunRequest } from '../engine/runs/init-run.js';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { REGISTRY_FORMAT, registryPaths, type RegistryIndex } from './registry-folder.js';

/** As for a run (the root, data and seed of the wrapped run), with the options of every user. */
export interface InitRegistryRequest extends Omit<InitRunRequest, 'options'> {
  /** The registry folder: new or empty (unless `resume`: finish an interrupted `registry init`). */
  readonly dir: string;
  /** `first`: the first stage of the wrapped run; `keys`, `generators`: recorded for every user. */
  readonly options?: {
    readonly first?: OptionsInput<FirstStageOptions>;
    readonly keys?: OptionsInput<KeyStageOptions>;
    readonly generators?: OptionsInput<GeneratorStageOptions>;
  };
}

export interface InitRegistryResult {
  readonly dir: string;
  /** The wrapped run folder. */
  readonly run: string;
  readonly training: RegistryIndex['training'];
}

/**
 * `attrib registry init`: makes a registry folder around a new run (`initRun` in `run/`: root,
 * data, first key and generator), and records the options every user's key and generator will
 * be trained with. registry.json is written last: a folder without it is not yet a registry,
 * and `resume` finishes it.
 */
export async function initRegistry(services: RunServices, request: InitRegistryRequest, hooks: RunHooks = {}): Promise<InitRegistryResult> {
  const dir = resolve(request.dir);
  const paths = registryPaths(dir);
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new Error(`registry ${dir}: cannot read (${error.code ?? error.message})`);
  });
  if (entries.includes('registry.json')) throw new Error(`registry ${dir} already exists (registry.json)`);
  if (!request.resume && entries.length > 0) throw new Error(`registry ${dir} is not empty and holds no registry; expected a new or empty folder`);
  if (request.resume && !entries.includes('run')) throw new Error(`registry ${dir} has no run/ to resume; start it without --resume`);
  const training = {
    keys: resolveOptions('keys', request.options?.keys ?? {}),
    generators: resolveOptions('generators', request.options?.generators ?? {}),
  };
  await initRun(services, {
    dir: paths.run, adapter: request.adapter, root: request.root, data: request.data, inputs: request.inputs, seed: request.seed,
    ...(request.options?.first ? { options: request.options.first } : {}), ...(request.resume ? { resume: true } : {}),
  }, hooks);
  const now = new Date().toISOString();
  const index: RegistryIndex = { format: REGISTRY_FORMAT, createdAt: now, updatedAt: now, training, nextKey: 2, users: [], removed: [] };
  await writeJsonAtomic(paths.index, index);
  hooks.log?.(`registry ${dir} created (its run: ${paths.run})`);
  return { dir, run: paths.run, training };
}
