import { basename, resolve } from 'node:path';
import type { ParamValue } from '../contracts/post-process.js';
import { POOL_METHODS, type PoolMethod } from '../collusion/pool.js';
import { resolveOptions, type GeneratorStageOptions, type KeyStageOptions, type OptionsInput, type RobustStageOptions } from '../contracts/stage-options.js';

/** The post-process name of cells measured without any post-process. */
export const NO_POST_PROCESS = 'none';

/** Key-angle choices of a cell: the base run's own keys, or keys trained for the study. */
export type StudyAngle = 'base' | 'orthogonal' | 'cosine';
const ANGLES: readonly StudyAngle[] = ['base', 'orthogonal', 'cosine'];

/** A base run folder and the label its cells carry. */
export interface StudyBase {
  readonly label: string;
  /** Absolute. */
  readonly dir: string;
}

/** One post-process of the grid and the strengths it is measured at. */
export interface StudyPostProcess {
  /** Registered name, or {@link NO_POST_PROCESS}. */
  readonly name: string;
  /** The parameter the strengths set; absent: one cell at the post-process's defaults. */
  readonly param?: string;
  /** Values of `param`, one cell each. */
  readonly values?: readonly ParamValue[];
  /**
   * Instead of `param` and `values`: this many strengths evenly spaced from the post-process's
   * declared weakest to its strongest setting (its factory's `strength`), both ends included.
   */
  readonly sweep?: number;
  /** Fixed parameters of every cell of this post-process. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Overrides the study's `robust` axis for this post-process. */
  readonly robust?: readonly boolean[];
  /** Overrides the study's `alphas` axis for this post-process's robust cells. */
  readonly alphas?: readonly number[];
}

/** Which metrics a study measures; quality ones are taken on the generators' own output. */
export interface StudyEvaluation {
  readonly samples?: number;
  /** Sample counts of single metrics, over `samples` (e.g. `tpr-at-fpr: 2000` to measure FPR 1e-3). */
  readonly samplesByMetric?: Readonly<Record<string, number>>;
  readonly batchSize?: number;
  /** `auto`: only when the run's real data is core's `mnist` source (the FID network is an MNIST classifier). */
  readonly fid: boolean | 'auto';
}

/** The collusion axis: the first k keys of each base pool their generators, for each k and method. */
export interface StudyCollusion {
  /** Colluder counts, each >= 2 and at most the base's keys. */
  readonly k: readonly number[];
  readonly pool: readonly PoolMethod[];
}

/** Stage options of the study's training, over the base run's recorded ones. */
export interface StudyTraining {
  readonly keys: OptionsInput<KeyStageOptions>;
  readonly generators: OptionsInput<GeneratorStageOptions>;
  readonly robust: OptionsInput<RobustStageOptions>;
}

/**
 * A robustness study (`attrib study`): the grid bases x key angles x post-processes x strengths x
 * robust x alphas, every cell measured the same way.
 */
export interface StudyConfig {
  /** Where the config came from (`study config FILE`), for messages about its values. */
  readonly source: string;
  readonly bases: readonly StudyBase[];
  readonly postProcesses: readonly StudyPostProcess[];
  readonly robust: readonly boolean[];
  /** Alphas of robust training; absent: the robust options' alpha. Plain cells have none. */
  readonly alphas?: readonly number[];
  readonly angles: readonly StudyAngle[];
  /** Keys (and keyed generators) of a study-trained key run; default: the base's generator count. */
  readonly keyCount?: number;
  readonly training: StudyTraining;
  readonly evaluation: StudyEvaluation;
  /** When set, each base's plain generators are also measured pooled by colluders (metric `collusion`). */
  readonly collusion?: StudyCollusion;
}

/** Top-level keys of a study config (`out`, `pluginsDir` and `backend` are the CLI's). */
export const STUDY_KEYS = ['base', 'postprocesses', 'robust', 'alphas', 'angles', 'keyCount', 'training', 'evaluation', 'collusion', 'out', 'pluginsDir', 'backend'] as const;

type Fail = (key: string, expected: string, got?: unknown) => never;

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function isParamValue(v: unknown): v is ParamValue {
  return ['number', 'string', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
}

function bases(raw: unknown, fail: Fail, resolvePath: (p: string) => string): StudyBase[] {
  if (raw === undefined) fail('base', 'a run folder, a list of them, or a mapping label: folder');
  const entries: [string | undefined, unknown][] = isRecord(raw) ? Object.entries(raw) : asList(raw).map((v) => [undefined, v]);
  if (entries.length === 0) fail('base', 'at least one run folder', raw);
  const out = entries.map(([label, dir]) => {
    if (typeof dir !== 'string' || dir.trim() === '') fail(label ? `base.${label}` : 'base', 'a run folder path', dir);
    const path = resolvePath(dir);
    return { label: label ?? basename(path), dir: path };
  });
  const labels = out.map((b) => b.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) fail('base', `distinct labels (give a mapping label: folder); ${twice} appears twice`, raw);
  return out;
}

function booleans(key: string, raw: unknown, fail: Fail): boolean[] {
  const list = asList(raw);
  if (list.length === 0 || !list.every((v) => typeof v === 'boolean')) fail(key, 'true, false or a list of them', raw);
  return [...new Set(list as boolean[])];
}

function postProcess(key: string, name: string, raw: unknown, fail: Fail): StudyPostProcess {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) fail(key, 'a post-process name (letters, digits, ".", "_", "-")', name);
  if (raw === undefined || raw === null) return { name, params: {} };
  if (!isRecord(raw)) fail(key, 'a mapping with param, values, params, robust or alphas', raw);
  for (const field of Object.keys(raw)) {
    if (!['name', 'param', 'values', 'sweep', 'params', 'robust', 'alphas'].includes(field)) fail(`${key}.${field}`, 'one of name, param, values, sweep, params, robust, alphas (unknown key)');
  }
  const given = raw.params ?? {};
  if (!isRecord(given) || !Object.values(given).every(isParamValue)) fail(`${key}.params`, 'a mapping of parameter values', given);
  const params = given as Record<string, ParamValue>;
  const robust = raw.robust === undefined ? undefined : booleans(`${key}.robust`, raw.robust, fail);
  const alphas = raw.alphas === undefined ? undefined : numbers(`${key}.alphas`, raw.alphas, fail, (n) => n >= 0, 'a non-negative number or a list of them');
  const axes = { ...(robust ? { robust } : {}), ...(alphas ? { alphas } : {}) };
  if (name === NO_POST_PROCESS && alphas) fail(`${key}.alphas`, 'no alphas: "none" has no robust cells', raw.alphas);
  if (name === NO_POST_PROCESS && (raw.param !== undefined || raw.values !== undefined || raw.sweep !== undefined || Object.keys(params).length > 0)) {
    fail(key, 'no parameters: "none" measures without a post-process', raw);
  }
  if (raw.sweep !== undefined) {
    if (!(Number.isInteger(raw.sweep) && (raw.sweep as number) >= 2)) fail(`${key}.sweep`, 'an integer >= 2 (strengths from the weakest to the strongest)', raw.sweep);
    if (raw.param !== undefined || raw.values !== undefined) fail(`${key}.sweep`, 'no param or values beside it (sweep sets both)');
    return { name, params, sweep: raw.sweep as number, ...axes };
  }
  if (raw.param === undefined && raw.values === undefined) return { name, params, ...axes };
  if (typeof raw.param !== 'string' || raw.param === '') fail(`${key}.param`, 'the name of the parameter the strengths set', raw.param);
  const values = asList(raw.values);
  if (raw.values === undefined || values.length === 0 || !values.every(isParamValue)) fail(`${key}.values`, `a non-empty list of values of ${raw.param}`, raw.values);
  if (Object.hasOwn(params, raw.param)) fail(`${key}.params.${raw.param}`, `no fixed value: ${raw.param} is the strength`);
  return { name, param: raw.param, values, params, ...axes };
}

function postProcesses(raw: unknown, fail: Fail): StudyPostProcess[] {
  if (raw === undefined) fail('postprocesses', 'a list or mapping of post-processes (none for no post-process)');
  const out: StudyPostProcess[] = isRecord(raw)
    ? Object.entries(raw).map(([name, spec]) => postProcess(`postprocesses.${name}`, name, spec, fail))
    : asList(raw).map((entry, i) => {
      if (typeof entry === 'string') return postProcess(`postprocesses[${i}]`, entry, undefined, fail);
      if (!isRecord(entry) || typeof entry.name !== 'string') fail(`postprocesses[${i}]`, 'a name or a mapping with name', entry);
      return postProcess(`postprocesses[${i}]`, entry.name, entry, fail);
    });
  if (out.length === 0) fail('postprocesses', 'at least one post-process', raw);
  return out;
}

function numbers(key: string, raw: unknown, fail: Fail, accept: (n: number) => boolean, expected: string): number[] {
  const list = asList(raw);
  if (list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isFinite(v) && accept(v))) fail(key, expected, raw);
  return [...new Set(list as number[])];
}

function stageSection<T>(key: string, raw: unknown, fail: Fail, check: (input: OptionsInput<T>) => void): OptionsInput<T> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) fail(key, 'a mapping of stage options', raw);
  try {
    check(raw as OptionsInput<T>);
  } catch (error) {
    fail(key, (error as Error).message);
  }
  return raw as OptionsInput<T>;
}

function training(raw: unknown, fail: Fail): StudyTraining {
  if (raw !== undefined && !isRecord(raw)) fail('training', 'a mapping with keys, generators and robust stage options', raw);
  const t = (raw ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(t)) if (!['keys', 'generators', 'robust'].includes(field)) fail(`training.${field}`, 'one of keys, generators, robust (unknown stage)');
  return {
    keys: stageSection<KeyStageOptions>('training.keys', t.keys, fail, (i) => resolveOptions('keys', i)),
    generators: stageSection<GeneratorStageOptions>('training.generators', t.generators, fail, (i) => resolveOptions('generators', i)),
    robust: stageSection<RobustStageOptions>('training.robust', t.robust, fail, (i) => resolveOptions('robust', i)),
  };
}

function evaluation(raw: unknown, fail: Fail): StudyEvaluation {
  if (raw !== undefined && !isRecord(raw)) fail('evaluation', 'a mapping with samples, samplesByMetric, batchSize, fid', raw);
  const e = (raw ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(e)) if (!['samples', 'samplesByMetric', 'batchSize', 'fid'].includes(field)) fail(`evaluation.${field}`, 'one of samples, samplesByMetric, batchSize, fid (unknown key)');
  const bySample = e.samplesByMetric;
  if (bySample !== undefined && !(isRecord(bySample) && Object.values(bySample).every((v) => Number.isInteger(v) && (v as number) > 0))) {
    fail('evaluation.samplesByMetric', 'a mapping of metric names to positive integers', bySample);
  }
  for (const field of ['samples', 'batchSize'] as const) {
    const v = e[field];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) fail(`evaluation.${field}`, 'a positive integer', v);
  }
  const fid = e.fid ?? 'auto';
  if (fid !== 'auto' && typeof fid !== 'boolean') fail('evaluation.fid', 'true, false or auto', fid);
  return {
    ...(e.samples !== undefined ? { samples: e.samples as number } : {}),
    ...(bySample !== undefined ? { samplesByMetric: bySample as Record<string, number> } : {}),
    ...(e.batchSize !== undefined ? { batchSize: e.batchSize as number } : {}),
    fid: fid as boolean | 'auto',
  };
}

function collusion(raw: unknown, fail: Fail): StudyCollusion | undefined {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { k: [2, 3, 4, 5], pool: [...POOL_METHODS] };
  if (!isRecord(raw)) fail('collusion', 'true, or a mapping with k and pool', raw);
  for (const field of Object.keys(raw)) if (!['k', 'pool'].includes(field)) fail(`collusion.${field}`, 'one of k, pool (unknown key)');
  const k = raw.k === undefined ? [2, 3, 4, 5] : numbers('collusion.k', raw.k, fail, (n) => Number.isInteger(n) && n >= 2, 'a whole number >= 2 or a list of them');
  const pool = raw.pool === undefined ? [...POOL_METHODS] : asList(raw.pool);
  if (pool.length === 0 || !pool.every((m) => (POOL_METHODS as readonly unknown[]).includes(m))) fail('collusion.pool', `${POOL_METHODS.join(', ')} or a list of them`, raw.pool);
  return { k, pool: [...new Set(pool as PoolMethod[])] };
}

/**
 * Reads a study config (a parsed YAML/JSON mapping, or flags made into one). Every problem is a
 * one-line error `<where>: "<key>" ...` naming the key, the value and what was expected.
 * Relative base folders are resolved with `resolvePath` (default: against the working folder).
 */
export function parseStudyConfig(raw: unknown, where = 'study config', resolvePath: (p: string) => string = (p) => resolve(p)): StudyConfig {
  const fail: Fail = (key, expected, got) => {
    throw new Error(`${where}: "${key}" expects ${expected}${got === undefined ? '' : `, got ${shown(got)}`}`);
  };
  if (!isRecord(raw)) fail('(top level)', 'a mapping of settings', raw);
  for (const key of Object.keys(raw)) {
    if (!(STUDY_KEYS as readonly string[]).includes(key)) fail(key, `one of ${STUDY_KEYS.join(', ')} (unknown key)`);
  }
  const angles = raw.angles === undefined ? ['base'] : asList(raw.angles);
  if (angles.length === 0 || !angles.every((a) => (ANGLES as readonly unknown[]).includes(a))) fail('angles', 'base, orthogonal, cosine or a list of them', raw.angles);
  const keyCount = raw.keyCount;
  if (keyCount !== undefined && !(Number.isInteger(keyCount) && (keyCount as number) >= 2)) fail('keyCount', 'an integer >= 2', keyCount);
  const trainingConfig = training(raw.training, fail);
  if (raw.alphas !== undefined && trainingConfig.robust.alpha !== undefined) fail('training.robust.alpha', 'no value when "alphas" is given (alphas is the axis)');
  return {
    source: where,
    bases: bases(raw.base, fail, resolvePath),
    postProcesses: postProcesses(raw.postprocesses, fail),
    robust: raw.robust === undefined ? [false] : booleans('robust', raw.robust, fail),
    ...(raw.alphas !== undefined ? { alphas: numbers('alphas', raw.alphas, fail, (n) => n >= 0, 'a non-negative number or a list of them') } : {}),
    angles: [...new Set(angles as StudyAngle[])],
    ...(keyCount !== undefined ? { keyCount: keyCount as number } : {}),
    training: trainingConfig,
    evaluation: evaluation(raw.evaluation, fail),
    ...(raw.collusion !== undefined && raw.collusion !== false ? { collusion: collusion(raw.collusion, fail)! } : {}),
  };
}
