import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationRecord } from '../io/run-folder.js';
import { RunFolder } from '../io/run-folder.js';
import { evaluateRun } from '../engine/runs/evaluate-run.js';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { trainRobust } from '../engine/runs/train-robust.js';
import { workerCount } from '../engine/runs/workers/thread-count.js';
import type { RemoteTask, TaskDispatcher } from '../engine/runs/workers/remote-task.js';
import { sharedFidFeatureNet } from '../metrics/fid.js';
import { tprSummaryName } from '../metrics/tpr-at-fpr.js';
import { NO_POST_PROCESS, type StudyConfig } from './config.js';
import { forkRun } from './fork-run.js';
import { prepareKeyRun } from './key-runs.js';
import { formatValue, planCells, readBaseInfo, type BaseInfo, type StudyCell } from './plan.js';
import { writeStudyPlots } from './plots.js';
import { readStudyFile, STUDY_FORMAT, studyFilePath, writeCollusionCsv, writeStudyCsv, writeStudyFile, type StudyFile, type StudyRow } from './study-file.js';
import { checkCollusionSizes, collusionRunDir, missingCollusion, runCollusion, type CollusionRow } from './collusion-rows.js';

/** How a study trains, beyond what its results depend on. */
export interface StudyRunOptions {
  /**
   * Worker threads of the study's generator and robust training (see
   * `TrainGeneratorsRequest.workers`); the results do not depend on it. Default as there.
   */
  readonly workers?: number;
  /**
   * Where the cells and the collusion measurements run: without one, here, one after another in
   * grid order, then collusion base by base; with one (a job queue), by its workers, side by side,
   * each cell and each collusion measurement (base, pool, k) a task, with the same numbers and rows
   * in the same order. The key runs of the `orthogonal` and `cosine` angles and the collusion forks
   * are prepared here first, since tasks share them.
   */
  readonly dispatcher?: TaskDispatcher | undefined;
}

/** Metrics measured under the cell's post-process. */
const ROBUSTNESS_METRICS = ['distinguishability', 'attributability', 'tpr-at-fpr', 'distortion'];
/** Metrics of the generators' own output against the root's (no post-process). */
const QUALITY_METRICS = ['quality', 'psnr', 'ssim'];

/** What a study reports while it works, beyond the run pipelines' hooks. */
export interface StudyHooks extends RunHooks {
  /** A cell starts (`start`), is found done in study.json (`skipped`), or has finished (`done`). */
  readonly onCell?: (event: { readonly index: number; readonly total: number; readonly cell: StudyCell; readonly status: 'start' | 'skipped' | 'done'; readonly row?: StudyRow }) => void;
}

export interface StudyResult {
  readonly dir: string;
  readonly cells: number;
  /** Cells this call ran (the others were already in study.json). */
  readonly ran: readonly string[];
  readonly rows: readonly StudyRow[];
  /** The collusion axis's rows (empty without one). */
  readonly collusion: readonly CollusionRow[];
  /** Files of DIR: study.json, study.csv, collusion.csv and the SVG plots. */
  readonly files: readonly string[];
}

/** Mean pairwise cosine of the run's keys; null with fewer than two. */
async function meanKeyCosine(dir: string, ids: readonly string[]): Promise<number | null> {
  if (ids.length < 2) return null;
  const folder = await RunFolder.open(dir);
  const vectors: Float32Array[] = [];
  for (const id of ids) {
    const key = await folder.readKey(id);
    vectors.push((await key.vector.data()) as Float32Array);
    key.dispose();
  }
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let k = 0; k < vectors[i]!.length; k++) {
        dot += vectors[i]![k]! * vectors[j]![k]!;
        a += vectors[i]![k]! ** 2;
        b += vectors[j]![k]! ** 2;
      }
      sum += dot / Math.sqrt(a * b);
      pairs += 1;
    }
  }
  return sum / pairs;
}

function summaryMean(record: EvaluationRecord, metric: string): number {
  const value = record.results[metric]?.summary.mean;
  if (value === undefined) throw new Error(`evaluation has no ${metric} mean`);
  return value;
}

/**
 * The mean TPR at `rate` of the cell's tpr-at-fpr result, or null when some key had too few
 * authentic images to measure that rate (fewer than 3.7 / rate).
 */
function measuredTpr(record: EvaluationRecord, rate: number): number | null {
  const result = record.results['tpr-at-fpr'];
  if (!result) return null;
  const perKey = (result.details?.perKey ?? []) as { rates: { fpr: number; measurable: boolean }[] }[];
  if (!perKey.every((k) => k.rates.some((r) => r.fpr === rate && r.measurable))) return null;
  return result.summary[tprSummaryName(rate)] ?? null;
}

/** The settings every cell of one study folder must share: changing them needs another folder. */
function settingsOf(config: StudyConfig): unknown {
  return { training: config.training, evaluation: config.evaluation, keyCount: config.keyCount ?? null };
}

/** Quality of a cell's generators; the same for every plain cell of one base and angle. */
export type PlainQuality = Pick<StudyRow, 'l2' | 'psnr' | 'ssim' | 'fid'>;

function qualityOf(record: EvaluationRecord, fid: boolean): PlainQuality {
  return {
    l2: summaryMean(record, 'quality'), psnr: summaryMean(record, 'psnr'), ssim: summaryMean(record, 'ssim'),
    fid: fid ? summaryMean(record, 'fid') : null,
  };
}

/** Whether cells of a base with `info` measure FID (`auto`: on core's MNIST data). */
function measuresFid(config: StudyConfig, info: BaseInfo): boolean {
  return config.evaluation.fid === 'auto' ? info.dataSource === 'mnist' : config.evaluation.fid;
}

/** The run a cell forks: its base, or the study's key run of its base and angle (prepared if need be). */
async function cellSource(services: RunServices, dir: string, cell: StudyCell, config: StudyConfig, info: BaseInfo, hooks: RunHooks, workers: number | undefined): Promise<string> {
  return cell.angle === 'base'
    ? cell.base.dir
    : prepareKeyRun(services, dir, cell.base, cell.angle, config.keyCount ?? info.generators.length, config.training, hooks, workers);
}

/**
 * Trains (when robust) and measures one cell in its own run folder under cells/, a fork of
 * `source`: what a study runs for each cell here, and what a queue worker runs for it. `plainQuality`:
 * the quality an earlier plain cell of the same base and angle measured (the same generators).
 */
export async function runCell(
  services: RunServices, dir: string, cell: StudyCell, source: string, config: StudyConfig, info: BaseInfo, hooks: RunHooks,
  plainQuality: PlainQuality | undefined, run: Pick<StudyRunOptions, 'workers'>,
): Promise<StudyRow> {
  const runDir = join(dir, 'cells', cell.id);
  await forkRun(source, runDir);
  const postProcess = cell.postProcess === NO_POST_PROCESS ? undefined : { name: cell.postProcess, params: cell.params };
  if (cell.robust) {
    await trainRobust(services, {
      dir: runDir, postProcesses: [postProcess!], options: { ...config.training.robust, alpha: cell.alpha! }, resume: true,
      ...(run.workers !== undefined ? { workers: run.workers } : {}),
    }, hooks);
  }
  const generators = cell.robust ? 'robust' : 'plain';
  const common = {
    dir: runDir, generators, robustLabel: postProcess?.name, ...(run.workers !== undefined ? { workers: run.workers } : {}),
    ...(config.evaluation.samples !== undefined ? { samples: config.evaluation.samples } : {}),
    ...(config.evaluation.samplesByMetric ? { samplesByMetric: config.evaluation.samplesByMetric } : {}),
    ...(config.evaluation.batchSize !== undefined ? { batchSize: config.evaluation.batchSize } : {}),
  } as const;
  const fid = measuresFid(config, info);
  // FID under the post-process is the attacked samples' (the quality axis of the attack's plots).
  const linear = !postProcess || services.postProcess(postProcess.name).create(postProcess.params).linearPart !== undefined;
  const robustness = await evaluateRun(services, { ...common, postProcess, metrics: [...ROBUSTNESS_METRICS, ...(linear ? ['floor'] : []), ...(fid ? ['fid'] : [])] }, hooks);
  const quality = plainQuality ?? qualityOf(await evaluateRun(services, { ...common, metrics: [...QUALITY_METRICS, ...(fid ? ['fid'] : [])] }, hooks).then((r) => r.record), fid);
  // A cell at the post-process's defaults is placed at its declared strength's default value, beside a sweep's cells.
  const declared = cell.param === '' && postProcess ? services.postProcess(postProcess.name).strength : undefined;
  const defaultStrength = declared ? services.postProcess(postProcess!.name).defaults[declared.param] : undefined;
  const [param, strength] = declared && defaultStrength !== undefined ? [declared.param, defaultStrength] : [cell.param, cell.strength];
  return {
    cell: cell.id, adapter: cell.adapter, postprocess: cell.postProcess, param, strength: formatValue(strength),
    alpha: cell.alpha, angle: cell.angle === 'base' ? (info.angleTerm ?? 'base') : cell.angle, robust: cell.robust,
    distinguishability: summaryMean(robustness.record, 'distinguishability'),
    attributability: summaryMean(robustness.record, 'attributability'),
    tprAtFpr1e2: measuredTpr(robustness.record, 1e-2),
    tprAtFpr1e3: measuredTpr(robustness.record, 1e-3),
    ...quality,
    floor: robustness.record.results.floor?.summary.mean ?? null,
    attackPsnr: robustness.record.results.distortion?.summary.psnr ?? null,
    attackSsim: robustness.record.results.distortion?.summary.ssim ?? null,
    attackFid: robustness.record.results.fid?.summary.mean ?? null,
    keyCosine: await meanKeyCosine(runDir, robustness.record.keys),
    keys: robustness.record.keys.length, base: cell.base.label, run: relative(dir, runDir), finishedAt: new Date().toISOString(),
  };
}

/**
 * `attrib study`: runs every cell of the grid that study.json in `dir` does not hold yet, in grid
 * order. Each cell works in its own run folder (cells/<id>, a fork of its base or key run, so the
 * base is never changed): robust training where asked, at the cell's strength and alpha, then
 * distinguishability, attributability, TPR at FPR 1e-2 and 1e-3 and the floor under T (when T has a linear part) under the cell's post-process at evaluation strength,
 * and L2, PSNR, SSIM (and FID) of the generators' own output. After each cell, study.json,
 * study.csv and the plots are rewritten atomically, so an interrupted study loses at most the
 * cell in progress (whose training itself resumes from its last finished epoch). `run.workers`
 * sets the worker threads of its training.
 */
export async function runStudy(services: RunServices, config: StudyConfig, outDir: string, hooks: StudyHooks = {}, run: StudyRunOptions = {}): Promise<StudyResult> {
  const dir = resolve(outDir);
  // A bad worker count is reported before any cell starts.
  workerCount(run.workers, services.pluginModules?.());
  const infos = new Map<string, BaseInfo>();
  for (const base of config.bases) infos.set(base.label, await readBaseInfo(base));
  const cells = planCells(config, infos, services);
  checkCollusionSizes(config, infos);
  const existing = await readStudyFile(dir);
  const settings = settingsOf(config);
  if (existing && JSON.stringify(existing.settings) !== JSON.stringify(settings)) {
    throw new Error(`${studyFilePath(dir)}: made with other training or evaluation settings; use another output folder to change them`);
  }
  await mkdir(dir, { recursive: true });
  const now = new Date().toISOString();
  const study: StudyFile = existing ?? { format: STUDY_FORMAT, createdAt: now, updatedAt: now, settings, cells: [] };
  const ran: string[] = [];
  let files: string[] = [];
  const publish = async (changed: boolean): Promise<void> => {
    if (changed) await writeStudyFile(dir, study);
    await writeStudyCsv(dir, study.cells);
    const collusion = study.collusion ?? [];
    if (collusion.length > 0) await writeCollusionCsv(dir, collusion);
    files = ['study.json', 'study.csv', ...(collusion.length > 0 ? ['collusion.csv'] : []), ...(await writeStudyPlots(dir, study.cells, collusion))];
  };
  // FID's feature network stays loaded once used; loaded now, it is not counted as a cell's leak.
  if ([...infos.values()].some((info) => measuresFid(config, info))) await sharedFidFeatureNet();
  // Plain cells of one base and key angle measure the same generators without a post-process:
  // their quality is measured once. Cell ids start `<base>_<angle>_` (no '_' within a part).
  const twinQuality = (cell: StudyCell): PlainQuality | undefined => {
    const twin = cell.robust ? undefined : study.cells.find((r) => !r.robust && r.base === cell.base.label && r.cell.split('_')[1] === cell.angle);
    return twin ? { l2: twin.l2, psnr: twin.psnr, ssim: twin.ssim, fid: twin.fid } : undefined;
  };
  const todo: { index: number; cell: StudyCell }[] = [];
  for (const [index, cell] of cells.entries()) {
    if (study.cells.some((row) => row.cell === cell.id)) hooks.onCell?.({ index, total: cells.length, cell, status: 'skipped' });
    else todo.push({ index, cell });
  }
  const order = new Map(cells.map((c, i) => [c.id, i]));
  const finished = async (index: number, cell: StudyCell, row: StudyRow): Promise<void> => {
    study.cells.push(row);
    // Rows in grid order, however the cells finished; rows of cells outside this grid stay after them.
    study.cells.sort((a, b) => (order.get(a.cell) ?? cells.length) - (order.get(b.cell) ?? cells.length));
    await publish(true);
    ran.push(cell.id);
    hooks.onCell?.({ index, total: cells.length, cell, status: 'done', row });
  };
  let collusionRan = false;
  // With a dispatcher, each missing collusion measurement (base, pool, k) is a task beside the cells.
  const measurements = run.dispatcher ? config.bases.flatMap((base) => missingCollusion(base, config, study.collusion ?? []).map((m) => ({ base, ...m }))) : [];
  if (run.dispatcher && (todo.length > 0 || measurements.length > 0)) {
    const sources = new Map<string, string>();
    for (const { cell } of todo) sources.set(cell.id, await cellSource(services, dir, cell, config, infos.get(cell.base.label)!, hooks, run.workers));
    // Forked here, once, before workers measure in them side by side.
    for (const base of new Set(measurements.map((m) => m.base))) await forkRun(base.dir, collusionRunDir(dir, base));
    const tasks: RemoteTask[] = [
      ...todo.map(({ cell }): RemoteTask => ({
        kind: 'study-cell', dir, cell, source: sources.get(cell.id)!, config, info: infos.get(cell.base.label)!, plainQuality: twinQuality(cell),
      })),
      ...measurements.map(({ base, pool, k }): RemoteTask => ({ kind: 'study-collusion', dir, base, config, pool, k })),
    ];
    // New collusion rows follow the earlier ones in the order a local study appends them (base, pool, k), however they finish.
    const earlier = study.collusion ?? [];
    const measured: (CollusionRow | undefined)[] = measurements.map(() => undefined);
    const measuredOne = async (at: number, row: CollusionRow): Promise<void> => {
      measured[at] = row;
      study.collusion = [...earlier, ...measured.filter((r): r is CollusionRow => r !== undefined)];
      collusionRan = true;
      await publish(true);
      const { base } = measurements[at]!;
      const ofBase = measured.filter((_, i) => measurements[i]!.base === base);
      if (ofBase.every((r) => r !== undefined)) hooks.log?.(`collusion of ${base.label}: ${ofBase.length} measurements (pool x k) written`);
    };
    for (const { index, cell } of todo) hooks.onCell?.({ index, total: cells.length, cell, status: 'start' });
    await run.dispatcher.run<StudyRow | CollusionRow>({ backend: tf.getBackend(), prod: tf.env().getBool('PROD') }, tasks, {
      onNote: (note) => {
        if (note.type === 'event') hooks.onEvent?.(note.event);
        else if (note.type === 'metric') hooks.onMetricProgress?.(note.metric, note.done, note.total);
        else hooks.log?.(note.line);
      },
      onDone: (result, at) => (at < todo.length
        ? finished(todo[at]!.index, todo[at]!.cell, result as StudyRow)
        : measuredOne(at - todo.length, result as CollusionRow)),
    });
  }
  for (const { index, cell } of run.dispatcher ? [] : todo) {
    hooks.onCell?.({ index, total: cells.length, cell, status: 'start' });
    const before = tf.memory().numTensors;
    const info = infos.get(cell.base.label)!;
    const source = await cellSource(services, dir, cell, config, info, hooks, run.workers);
    const row = await runCell(services, dir, cell, source, config, info, hooks, twinQuality(cell), run);
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) hooks.log?.(`cell ${cell.id}: ${leaked} tensors were not released`);
    await finished(index, cell, row);
  }
  // Without a dispatcher, collusion is measured here, after the cells.
  for (const base of run.dispatcher ? [] : config.bases) {
    const before = tf.memory().numTensors;
    const rows = await runCollusion(services, dir, base, config, study.collusion ?? [], hooks);
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) hooks.log?.(`collusion of ${base.label}: ${leaked} tensors were not released`);
    if (rows.length === 0) continue;
    study.collusion = [...(study.collusion ?? []), ...rows];
    collusionRan = true;
    await publish(true);
    hooks.log?.(`collusion of ${base.label}: ${rows.length} measurements (pool x k) written`);
  }
  // study.json is rewritten only when something finished; the CSVs and plots are always made afresh.
  await publish(!existing && ran.length === 0 && !collusionRan);
  const rows = study.cells.filter((r) => order.has(r.cell)).sort((a, b) => order.get(a.cell)! - order.get(b.cell)!);
  const wanted = (r: CollusionRow): boolean => config.bases.some((b) => b.label === r.base) && !!config.collusion?.k.includes(r.k) && !!config.collusion.pool.includes(r.pool);
  return { dir, cells: cells.length, ran, rows, collusion: (study.collusion ?? []).filter(wanted), files };
}
