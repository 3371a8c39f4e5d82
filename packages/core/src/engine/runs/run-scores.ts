import type { ImageSource } from '../../contracts/image-source.js';
import type { PostProcess } from '../../contracts/post-process.js';
import type { DataSpec } from '../../io/run-folder.js';
import { createRng } from '../../util/rng.js';
import { column, generatorScores, sourceScores, type Measurement } from './calibration-scores.js';
import type { EvaluationSubjects } from './evaluation-subjects.js';
import { openData } from './root.js';
import type { RunServices } from './services.js';
import type { RunSession } from './session.js';

/** Samples of the root and of each keyed generator a calibration draws unless told otherwise. */
export const CALIBRATION_SAMPLES = 1000;

/** What to score: held-out and out-of-distribution data, sample counts, the post-process. */
export interface RunScoreRequest {
  /** Held-out real images; default: the run's data source with split `test` when the run trained on split `train`. */
  readonly heldOut?: DataSpec | undefined;
  /** Out-of-distribution authentic images (e.g. `{ source: 'idx', path: '.../t10k-images-idx3-ubyte.gz' }`). */
  readonly ood?: DataSpec | undefined;
  /** Root samples and samples per keyed generator; default {@link CALIBRATION_SAMPLES}. */
  readonly samples?: number | undefined;
  readonly batchSize?: number | undefined;
  readonly postProcess?: PostProcess | undefined;
}

/** Every set's scores under every key, one column per key (in the subjects' key order). */
export interface RunScores {
  readonly heldOut: { readonly description: string; readonly perKey: Float64Array[] };
  readonly root: { readonly n: number; readonly perKey: Float64Array[] };
  readonly ood: { readonly description: string; readonly perKey: Float64Array[] } | null;
  /** generators[g].perKey[k]: key k's scores of generator g's samples. */
  readonly generators: { readonly n: number; readonly perKey: Float64Array[] }[];
}

/**
 * The held-out data of a run: `requested` when given, else the run's data source with split
 * `test` when the run trained on split `train`. A run trained on all its data has none.
 */
export function heldOutSpec(data: DataSpec, requested: DataSpec | undefined, dir: string): DataSpec {
  if (requested) return requested;
  if (data.split === 'train') return { ...data, split: 'test' };
  throw new Error(
    `run ${dir} trained on ${data.source}${data.split ? ` split ${data.split}` : ''} (all of its images), so none are held out; `
    + 'train on split train (keys init --data-split train) or name held-out images (--heldout SOURCE[:PATH])',
  );
}

/**
 * Scores the held-out data, the root's samples, each keyed generator's samples and (when asked)
 * out-of-distribution data under every key of `subjects`, each image through the 8-bit round
 * trip and the post-process. Draws come from the run seed's `stream` fork.
 */
export async function scoreRun(
  services: RunServices, session: RunSession, subjects: EvaluationSubjects, request: RunScoreRequest, stream: string,
  progress?: (done: number, total: number) => void,
): Promise<RunScores> {
  const samples = request.samples ?? CALIBRATION_SAMPLES;
  if (!Number.isInteger(samples) || samples <= 0) throw new Error(`samples ${samples}: expected a positive integer`);
  const { folder, root } = session;
  const shape = root.imageShape;
  const heldOut = await openData(services, heldOutSpec(folder.manifest.data, request.heldOut, folder.dir), shape);
  if (heldOut.size === 0) throw new Error(`held-out data ${heldOut.description} holds no images`);
  const ood: ImageSource | null = request.ood ? await openData(services, request.ood, shape) : null;
  const m: Measurement = { keys: subjects.keys, postProcess: request.postProcess, batchSize: request.batchSize };
  const batch = request.batchSize ?? 100;
  const total = Math.ceil(heldOut.size / batch) + Math.ceil((ood?.size ?? 0) / batch) + Math.ceil(samples / batch) * (1 + subjects.generators.length);
  let done = 0;
  const tick = () => progress?.(++done, total);
  const rng = createRng(folder.manifest.seed).fork(stream);
  const n = subjects.keys.length;
  const split = (matrix: Float32Array) => Array.from({ length: n }, (_, k) => column(matrix, n, k));
  const heldOutScores = split(await sourceScores(heldOut, m, rng.fork('held-out'), tick));
  const oodScores = ood ? split(await sourceScores(ood, m, rng.fork('ood'), tick)) : null;
  const rootScores = split(await generatorScores(root, samples, m, rng.fork('root'), tick));
  const generators = [];
  for (const [g, generator] of subjects.generators.entries()) {
    generators.push({ n: samples, perKey: split(await generatorScores(generator, samples, m, rng.fork(`generator-${subjects.keys[g]!.id}`), tick)) });
  }
  return {
    heldOut: { description: heldOut.description, perKey: heldOutScores },
    root: { n: samples, perKey: rootScores },
    ood: ood && oodScores ? { description: ood.description, perKey: oodScores } : null,
    generators,
  };
}
