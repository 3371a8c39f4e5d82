import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Generator } from '../../contracts/generator.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { encodeCheckpoint } from '../../io/checkpoint.js';
import { RUN_FORMAT, RunFolder, type DataSpec, type RunManifest } from '../../io/run-folder.js';
import { FIRST_UNIT, trainFirstStage } from '../first-stage.js';
import { resolveOptions, type FirstStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import { fingerprint, loadRoot, openData, PRETRAINED_PREFIX } from './root.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob } from './session.js';
import { versions } from './versions.js';
import { writeSampleGrid } from './write-products.js';

export interface InitRunRequest {
  /** The run folder: new (or empty) unless `resume`. */
  readonly dir: string;
  /** Adapter of the root generator. */
  readonly adapter: string;
  /** The root G0: an attrib checkpoint, a reference-format file, or `pretrained:[NAME]`. */
  readonly root: string;
  /** Real images. */
  readonly data: DataSpec;
  /** Source-domain images, for image-to-image generators. */
  readonly inputs?: DataSpec | undefined;
  readonly seed: number;
  /** Options of the first stage (defaults: the release's DCGAN-MNIST settings). */
  readonly options?: OptionsInput<FirstStageOptions>;
  /** Finish the first stage of an existing run (its recorded options are used). */
  readonly resume?: boolean;
}

export interface InitRunResult {
  readonly dir: string;
  readonly key: string;
  /** True when there was nothing left to do (a finished first stage, with `resume`). */
  readonly alreadyDone: boolean;
  readonly history: readonly unknown[];
}

/**
 * `attrib keys init`: creates a run folder and trains its first key and generator (stage
 * "first"). Everything is checked before anything is written: the adapter, the root (loaded),
 * the data (opened with the root's image shape), the seed and the options. With `resume`, an
 * existing run's unfinished first stage continues after its last finished epoch.
 */
export async function initRun(services: RunServices, request: InitRunRequest, hooks: RunHooks = {}): Promise<InitRunResult> {
  const dir = resolve(request.dir);
  if (!(request.resume && (await RunFolder.exists(dir)))) await createRun(services, request, hooks);
  return runFirstStage(services, dir, hooks);
}

/**
 * The first half of {@link initRun}: checks the request and writes the run folder (manifest,
 * converted root), with no training yet; `initRun` with `resume` then trains the first stage.
 */
export async function createRun(services: RunServices, request: InitRunRequest, hooks: RunHooks = {}): Promise<void> {
  const dir = resolve(request.dir);
  if (await RunFolder.exists(dir)) throw new Error(`run folder ${dir} already holds a run (manifest.json); pass --resume to finish its first stage`);
  if (!Number.isInteger(request.seed) || request.seed < 0) throw new Error(`seed ${request.seed}: expected a non-negative integer`);
  const options = resolveOptions('first', request.options ?? {});
  const rootFile = request.root.startsWith(PRETRAINED_PREFIX) ? request.root : resolve(request.root);
  const loaded = await loadRoot(services, request.adapter, rootFile, request.inputs);
  try {
    const data = await openData(services, request.data, loaded.generator.imageShape);
    if (data.size === 0) throw new Error(`data ${data.description} holds no images`);
    // A root given in another form is kept in the run as an attrib checkpoint.
    const converted = loaded.converted ? await encodeCheckpointOf(loaded.generator, request.root) : undefined;
    const pretrained = request.root.startsWith(PRETRAINED_PREFIX);
    const now = new Date().toISOString();
    const manifest: RunManifest = {
      format: RUN_FORMAT, createdAt: now, updatedAt: now, seed: request.seed, versions: versions(), backend: tf.getBackend(),
      adapter: loaded.generator.adapter, imageShape: loaded.generator.imageShape,
      // `source` is the file whose fingerprint later commands check: the user's file, or for a
      // shipped model its conversion in the run folder.
      root: pretrained
        ? { checkpoint: 'root.ckpt', source: join(dir, 'root.ckpt'), ...fingerprintOf(converted!) }
        : {
          checkpoint: converted ? 'root.ckpt' : rootFile, source: rootFile, ...(await fingerprint(rootFile)),
          ...(converted ? { checkpointSha256: fingerprintOf(converted).sha256 } : {}),
        },
      data: request.data, ...(request.inputs ? { inputs: request.inputs } : {}),
      config: { first: options }, keys: [], generators: [], robust: {}, progress: {},
    };
    await RunFolder.create(dir, manifest, async (folder) => {
      if (converted) await writeFileAtomic(folder.path('root.ckpt'), converted);
    });
  } finally {
    loaded.generator.dispose();
  }
  hooks.log?.(`created run ${dir}`);
}

async function runFirstStage(services: RunServices, dir: string, hooks: RunHooks): Promise<InitRunResult> {
  const session = await openRunSession(services, dir);
  try {
    const { folder } = session;
    if (folder.manifest.keys.includes('key-1')) {
      hooks.log?.(`run ${dir} already has its first key and generator`);
      return { dir, key: 'key-1', alreadyDone: true, history: [] };
    }
    // The options recorded when the run was made; a pending first job is simply continued.
    const options = folder.manifest.config.first as FirstStageOptions;
    const job = await startJob(folder, 'first', true, () => ({
      stage: 'first', keys: ['key-1'], options: { ...options }, startedAt: new Date().toISOString(),
    }), hooks.log);
    if (!folder.manifest.progress[FIRST_UNIT]) await writeSampleGrid(session, 'root', session.root);
    const result = await trainFirstStage(session.stageContext('first', hooks), job.options as OptionsInput<FirstStageOptions>, 'key-1');
    try {
      await folder.writeKey(result.key);
      const kept = result.keptEpoch !== undefined ? { keptEpoch: result.keptEpoch + 1 } : {};
      await folder.writeGenerator('key-1', result.generator, 'generator', { stage: 'first', ...kept });
      await writeSampleGrid(session, 'key-1', result.generator);
      await folder.update((m) => {
        m.keys = ['key-1'];
        m.generators = ['key-1'];
      });
      await finishJob(folder);
      hooks.log?.(`key-1 and its generator written to ${dir}${kept.keptEpoch !== undefined ? ` (those of epoch ${kept.keptEpoch}, the best check)` : ''}`);
      return { dir, key: 'key-1', alreadyDone: false, history: result.history };
    } finally {
      result.key.dispose();
      result.generator.dispose();
    }
  } finally {
    session.dispose();
  }
}

/** A generator as the bytes of an attrib generator checkpoint (what saveGenerator writes). */
async function encodeCheckpointOf(generator: Generator, origin: string): Promise<Uint8Array> {
  const state = generator.state();
  try {
    return await encodeCheckpoint(state, {
      convertedFrom: origin, kind: 'generator', adapter: generator.adapter, config: generator.config,
      imageShape: generator.imageShape, inputKind: generator.inputKind,
    });
  } finally {
    tf.dispose(Object.values(state));
  }
}

function fingerprintOf(bytes: Uint8Array): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}
