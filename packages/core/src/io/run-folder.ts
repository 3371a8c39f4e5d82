import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { AdapterContext, GeneratorAdapter } from '../contracts/adapter.js';
import type { Generator, NamedTensors } from '../contracts/generator.js';
import type { ImageShape } from '../contracts/image.js';
import type { Key } from '../contracts/key.js';
import type { MetricResult } from '../contracts/metric.js';
import type { StateStore, TrainingState } from '../contracts/training-state.js';
import { loadKey, saveKey } from '../keys/key-file.js';
import type { LinearKey } from '../keys/linear-key.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { withFileLock } from '../util/file-lock.js';
import { readFolderIndex } from './folder-index.js';
import { checkRunManifest } from './manifest-check.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { loadGenerator, saveGenerator } from './generator-file.js';
import { keyImage, sampleGrid } from './run-folder-images.js';
import { writePng } from './png.js';
import { oneLine } from '../util/one-line.js';
import { ReadError } from '../util/read-error.js';

/**
 * # The run folder (`attrib-run/1`)
 *
 * Everything one attribution run makes lives in one folder. Every file is written to a
 * temporary name in the same folder and renamed into place, so a crash leaves the previous
 * version or the new one, never half of one.
 *
 * ```
 * RUN/
 *   manifest.json                       RunManifest: config, seed, versions, backend, root, data,
 *                                       finished keys/generators, per-unit progress, pending job
 *   keys/<id>.json                      a finished key (format attrib-key/1: shape, flattening
 *                                       order HWC, float32 vector as base64, norm)
 *   keys/<id>.png                       the key as an image (see keyImage: 0 is mid-grey, the
 *                                       entry of largest |value| is black or white)
 *   keys/<id>.state.ckpt                training state of key <id> after its last finished epoch
 *   generators/<id>/generator.ckpt      the keyed generator of key <id> (attrib checkpoint,
 *                                       loadable with loadGenerator)
 *   generators/<id>/robust-<pp>.ckpt    that generator fine-tuned against post-process <pp>
 *   generators/<id>/<stage>.state.ckpt  training state after the last finished epoch: weights,
 *                                       Adam moments and step, key (first stage), epoch history
 *                                       (`first`, `generator`, `robust-<pp>`)
 *   samples/root.png, samples/<id>.png, samples/<id>-robust-<pp>.png
 *                                       8x8 grids of samples on the run's fixed inputs
 *   metrics.json                        evaluations by label (`plain`, or the post-process name):
 *                                       which generators, when, and every metric's result
 *   root.ckpt                           only when the root was given in a reference format
 *                                       (e.g. .pth): its conversion to an attrib checkpoint
 * ```
 *
 * A training state checkpoint holds tensors named `generator.<state-dict name>`, `key`,
 * `adam.<generator|key>.step`, `adam.<...>.m.<i>`, `adam.<...>.v.<i>` and meta
 * `{ kind: 'training-state', unit, epochsDone, done, meta }`.
 */
export const RUN_FORMAT = 'attrib-run/1';

/** Where real (or source-domain) images come from: a registered image source and its path. */
export interface DataSpec {
  /** Image-source name (`mnist`, `idx`, `folder`, ...). */
  readonly source: string;
  /** File or folder, absolute; absent for sources with embedded data. */
  readonly path?: string;
  /** Split or subset, where the source has several. */
  readonly split?: string;
}

/** The root generator a run keys. */
export interface RootReference {
  /** The attrib checkpoint used as G0 (absolute, or relative to the run folder). */
  readonly checkpoint: string;
  /** The file the user gave (absolute); differs from `checkpoint` when it was converted. */
  readonly source: string;
  /** SHA-256 and size of `source`, checked whenever the run is opened. */
  readonly sha256: string;
  readonly bytes: number;
  /**
   * SHA-256 of `checkpoint` when it is a conversion kept in the run (`root.ckpt`), checked with
   * `sha256` whenever the run is opened. Absent in runs made before it was recorded.
   */
  readonly checkpointSha256?: string;
}

/** Progress of one training unit (see the engine's StateStore units). */
export interface UnitProgress {
  readonly stage: string;
  readonly epochs: number;
  readonly epochsDone: number;
  readonly done: boolean;
  readonly updatedAt: string;
}

/** The progress entry of a unit of `stage` that saved `state`. */
export function unitProgress(stage: string, state: Pick<TrainingState, 'epochsDone' | 'done' | 'meta'>): UnitProgress {
  return {
    stage,
    epochs: Number(state.meta.epochs ?? state.epochsDone),
    epochsDone: state.epochsDone,
    done: state.done,
    updatedAt: new Date().toISOString(),
  };
}

/** The job a command started and has not finished; `--resume` finishes it. */
export interface PendingJob {
  readonly stage: 'first' | 'keys' | 'generators' | 'robust';
  /** Key ids the job trains (for robust: per post-process label). */
  readonly keys: readonly string[];
  /** The resolved stage options, reused on resume. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Robust jobs: the post-processes, by label. */
  readonly postProcesses?: readonly { readonly label: string; readonly name: string; readonly params: Readonly<Record<string, unknown>> }[];
  readonly startedAt: string;
}

/** One entry of metrics.json. */
export interface EvaluationRecord {
  readonly evaluatedAt: string;
  /** `plain` or `robust-<pp>`: which generators were measured. */
  readonly generators: string;
  readonly postProcess: { readonly name: string; readonly params: Readonly<Record<string, unknown>> } | null;
  readonly keys: readonly string[];
  readonly backend: string;
  readonly results: Readonly<Record<string, MetricResult>>;
}

/** manifest.json. */
export interface RunManifest {
  readonly format: typeof RUN_FORMAT;
  readonly createdAt: string;
  updatedAt: string;
  readonly seed: number;
  readonly versions: { readonly attrib: string; readonly tfjs: string; readonly node: string };
  /** The TensorFlow.js backend of the run's creation; later commands record theirs in progress. */
  readonly backend: string;
  readonly adapter: string;
  readonly imageShape: ImageShape;
  readonly root: RootReference;
  readonly data: DataSpec;
  /** Source-domain images of an image-to-image generator (its `sampleInputs`). */
  readonly inputs?: DataSpec;
  /** Options each stage ran with (the last run of the stage). */
  config: Record<string, unknown>;
  /** Finished keys, in training order. */
  keys: string[];
  /** Keys that have a finished keyed generator. */
  generators: string[];
  /** Per post-process label, the keys whose generator was made robust to it. */
  robust: Record<string, string[]>;
  /** Per unit (`first`, `keys/key-2`, `generators/key-2`, `robust/blur/key-1`). */
  progress: Record<string, UnitProgress>;
  pending?: PendingJob;
}

/** Post-process labels and key ids become file names: letters, digits, `.`, `_`, `-`. */
export function checkName(what: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`${what} ${JSON.stringify(name)}: expected letters, digits, '.', '_' or '-'`);
  return name;
}

/** An open run folder. Changes go through its methods, which write atomically. */
export class RunFolder {
  private constructor(readonly dir: string, private current: RunManifest) {}

  static manifestFile(dir: string): string {
    return join(dir, 'manifest.json');
  }

  /** Whether `dir` holds a run (a manifest.json). */
  static async exists(dir: string): Promise<boolean> {
    return stat(RunFolder.manifestFile(dir)).then(() => true, () => false);
  }

  /**
   * Creates the run folder with its manifest. Refuses a folder that already holds a run, or any
   * file at all, naming it. `first` writes files that must exist before the manifest does (the
   * manifest is written last: a folder without one is not a run).
   */
  static async create(dir: string, manifest: RunManifest, first?: (folder: RunFolder) => Promise<void>): Promise<RunFolder> {
    const { readdir } = await import('node:fs/promises');
    const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw new Error(`run folder ${dir}: cannot read (${error.code ?? error.message})`);
    });
    if (entries.includes('manifest.json')) throw new Error(`run folder ${dir} already holds a run (manifest.json)`);
    if (entries.length > 0) throw new Error(`run folder ${dir} is not empty and holds no run; expected a new or empty folder`);
    const folder = new RunFolder(dir, manifest);
    await first?.(folder);
    await writeJsonAtomic(RunFolder.manifestFile(dir), manifest);
    return folder;
  }

  /** Opens an existing run; a missing folder or manifest is a one-line error naming it. */
  static async open(dir: string): Promise<RunFolder> {
    return new RunFolder(dir, await RunFolder.readManifest(dir));
  }

  private static async readManifest(dir: string): Promise<RunManifest> {
    const file = RunFolder.manifestFile(dir);
    const manifest = await readFolderIndex<RunManifest>(dir, file, {
      folder: 'run folder', document: 'an attrib run manifest', madeBy: 'attrib keys init', format: RUN_FORMAT,
    });
    return checkRunManifest(manifest, file);
  }

  /** A copy of the manifest as last written. */
  get manifest(): RunManifest {
    return structuredClone(this.current);
  }

  /**
   * Applies `change` to the manifest as it is on disk and writes it atomically, under a lock
   * file, so that another process's change to the same run (another command, a queue worker) is
   * kept, not overwritten. `change` may throw to leave the manifest as it is.
   */
  async update(change: (manifest: RunManifest) => void): Promise<void> {
    const file = RunFolder.manifestFile(this.dir);
    await withFileLock(`${file}.lock`, async () => {
      const next = await RunFolder.readManifest(this.dir);
      change(next);
      next.updatedAt = new Date().toISOString();
      await writeJsonAtomic(file, next);
      this.current = next;
    });
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  keyFile(id: string): string {
    return this.path('keys', `${checkName('key id', id)}.json`);
  }

  /** `generator` for the keyed generator, `robust-<label>` for a robust one. */
  generatorFile(id: string, variant = 'generator'): string {
    return this.path('generators', checkName('key id', id), `${checkName('generator variant', variant)}.ckpt`);
  }

  /** The checkpoint file of a training unit's state (see the format above). */
  stateFile(unit: string): string {
    const parts = unit.split('/');
    if (unit === 'first') return this.path('generators', 'key-1', 'first.state.ckpt');
    if (parts[0] === 'keys' && parts.length === 2) return this.path('keys', `${checkName('key id', parts[1]!)}.state.ckpt`);
    if (parts[0] === 'generators' && parts.length === 2) return this.path('generators', checkName('key id', parts[1]!), 'generator.state.ckpt');
    if (parts[0] === 'robust' && parts.length === 3) {
      return this.path('generators', checkName('key id', parts[2]!), `robust-${checkName('post-process label', parts[1]!)}.state.ckpt`);
    }
    throw new Error(`unknown training unit ${JSON.stringify(unit)}`);
  }

  /** Writes keys/<id>.json and keys/<id>.png. */
  async writeKey(key: Key): Promise<void> {
    await saveKey(this.keyFile(key.id), key);
    await writePng(this.path('keys', `${key.id}.png`), await keyImage(key));
  }

  async readKey(id: string): Promise<LinearKey> {
    return loadKey(this.keyFile(id));
  }

  async writeGenerator(id: string, generator: Generator, variant = 'generator', meta: Record<string, unknown> = {}): Promise<void> {
    await saveGenerator(this.generatorFile(id, variant), generator, { ...meta, key: id, variant });
  }

  async readGenerator(id: string, findAdapter: (name: string) => GeneratorAdapter, variant = 'generator', ctx?: AdapterContext): Promise<Generator> {
    return (await loadGenerator(this.generatorFile(id, variant), findAdapter, ctx)).generator;
  }

  /** Writes samples/<name>.png: an 8x8 grid (fewer if fewer images) of `images` (NHWC, [-1, 1]). */
  async writeSamples(name: string, images: tf.Tensor4D): Promise<void> {
    await writePng(this.path('samples', `${checkName('sample name', name)}.png`), await sampleGrid(images, 8));
  }

  /** metrics.json as written so far (empty if none). */
  async readMetrics(): Promise<Record<string, EvaluationRecord>> {
    try {
      const metrics = JSON.parse(await readFile(this.path('metrics.json'), 'utf8')) as unknown;
      if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw new TypeError('not an object');
      return metrics as Record<string, EvaluationRecord>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ReadError(this.path('metrics.json'), `cannot read (${oneLine(error)}); expected the run's evaluations as a JSON object`);
    }
  }

  /**
   * Sets metrics.json's entry `label`, keeping the others. An entry of the same generators, keys
   * and post-process keeps its other metrics' results (`evaluate --metrics tpr-at-fpr` after the
   * demo must not erase the demo's); one of other keys or another setting is replaced whole.
   */
  async writeMetrics(label: string, record: EvaluationRecord): Promise<void> {
    const all = await this.readMetrics();
    all[label] = withEarlierResults(record, all[label]);
    await writeJsonAtomic(this.path('metrics.json'), all);
  }

  /**
   * The run's {@link StateStore}: one checkpoint per unit (see {@link stateFile}); each save also
   * records the unit's progress in the manifest.
   */
  states(stage: string): StateStore {
    return {
      load: (unit) => this.readState(unit),
      save: async (unit, state) => {
        await this.writeState(unit, state);
        await this.recordProgress(unit, unitProgress(stage, state));
      },
    };
  }

  /** The saved state of `unit`, or undefined if it has none. The caller disposes its tensors. */
  async readState(unit: string): Promise<TrainingState | undefined> {
    const file = this.stateFile(unit);
    const exists = await stat(file).then(() => true, () => false);
    if (!exists) return undefined;
    const { meta, tensors } = await loadCheckpoint(file);
    if (meta.kind !== 'training-state' || meta.unit !== unit) {
      tf.dispose(Object.values(tensors));
      throw new Error(`${file}: not the training state of ${unit} (kind ${String(meta.kind)}, unit ${String(meta.unit)})`);
    }
    return {
      epochsDone: Number(meta.epochsDone),
      done: meta.done === true,
      tensors,
      meta: (meta.meta ?? {}) as Record<string, unknown>,
    } satisfies TrainingState;
  }

  /** Writes the state checkpoint of `unit` (the manifest is left as it is). */
  async writeState(unit: string, state: TrainingState): Promise<void> {
    await saveCheckpoint(this.stateFile(unit), state.tensors as NamedTensors, {
      kind: 'training-state', unit, epochsDone: state.epochsDone, done: state.done, meta: state.meta as Record<string, unknown>,
    });
  }

  /** Records the progress of `unit` in the manifest. */
  async recordProgress(unit: string, progress: UnitProgress): Promise<void> {
    await this.update((m) => {
      m.progress[unit] = progress;
    });
  }
}

function withEarlierResults(record: EvaluationRecord, earlier: EvaluationRecord | undefined): EvaluationRecord {
  if (!earlier?.results) return record;
  const same = earlier.generators === record.generators
    && JSON.stringify(earlier.keys) === JSON.stringify(record.keys)
    && JSON.stringify(earlier.postProcess) === JSON.stringify(record.postProcess);
  return same ? { ...record, results: { ...earlier.results, ...record.results } } : record;
}
