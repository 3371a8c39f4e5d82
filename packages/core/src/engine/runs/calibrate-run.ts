import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PostProcess } from '../../contracts/post-process.js';
import { calibrationPath, CALIBRATION_FORMAT, writeCalibration, type CalibrationFile } from '../../calibration/calibration-file.js';
import { calibrateKey } from '../../calibration/key-calibration.js';
import { checkRate } from '../../calibration/threshold.js';
import { chooseVariant, type GeneratorVariant } from './evaluate-run.js';
import { loadSubjects } from './evaluation-subjects.js';
import { scoreRun, type RunScoreRequest } from './run-scores.js';
import type { RunServices } from './services.js';
import { openRunSession } from './session.js';
import type { PostProcessRequest } from './train-robust.js';

/** The target false-attribution rate `calibrate` uses unless told otherwise. */
export const DEFAULT_TARGET_FPR = 1e-3;

export interface CalibrateRunRequest extends Omit<RunScoreRequest, 'postProcess'> {
  readonly dir: string;
  readonly postProcess?: PostProcessRequest | undefined;
  /** As `evaluate`: plain or robust generators; `auto` (default) takes robust ones when every key has one. */
  readonly generators?: GeneratorVariant | undefined;
  /** Target false-attribution rate; default {@link DEFAULT_TARGET_FPR}. */
  readonly fpr?: number | undefined;
  /** Where to write; default RUN/calibration.json. */
  readonly out?: string | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface CalibrateRunResult {
  readonly file: string;
  readonly calibration: CalibrationFile;
}

/**
 * `attrib calibrate`: per key of the run (every key with a keyed generator), the scores of
 * held-out real images, root samples, every keyed generator's samples and optionally
 * out-of-distribution images, after the 8-bit round trip and the post-process; per key a
 * threshold for the target false-attribution rate and the rates measured at it with exact 95%
 * bounds. Written atomically to RUN/calibration.json.
 */
export async function calibrateRun(services: RunServices, request: CalibrateRunRequest): Promise<CalibrateRunResult> {
  const dir = resolve(request.dir);
  const fpr = checkRate(request.fpr ?? DEFAULT_TARGET_FPR, '--fpr');
  const postProcess: PostProcess | undefined = request.postProcess
    ? services.postProcess(request.postProcess.name).create(request.postProcess.params ?? {})
    : undefined;
  const session = await openRunSession(services, dir);
  try {
    const manifest = session.folder.manifest;
    const ids = manifest.keys.filter((id) => manifest.generators.includes(id));
    if (ids.length === 0) throw new Error(`run ${dir} has no keyed generators yet; run \`attrib generators train\` (or \`attrib keys init\`) first`);
    const variant = chooseVariant(request.generators ?? 'auto', postProcess?.name, ids, manifest.robust, dir);
    const subjects = await loadSubjects(session, { ids, variant });
    try {
      const scores = await scoreRun(services, session, subjects, { ...request, postProcess }, 'calibrate', request.onProgress);
      const keys = ids.map((key, k) => calibrateKey({
        key,
        heldOut: scores.heldOut.perKey[k]!,
        root: scores.root.perKey[k]!,
        ood: scores.ood?.perKey[k],
        own: scores.generators[k]!.perKey[k]!,
        others: scores.generators.flatMap((g, j) => (j === k ? [] : Array.from(g.perKey[k]!))),
      }, fpr));
      const calibration: CalibrationFile = {
        format: CALIBRATION_FORMAT, createdAt: new Date().toISOString(), backend: tf.getBackend(), fpr, confidence: 0.95,
        generators: variant, postProcess: postProcess ? { name: postProcess.name, params: { ...postProcess.params } } : null,
        sets: {
          heldOut: { description: scores.heldOut.description, n: scores.heldOut.perKey[0]!.length },
          root: { description: `root samples (${manifest.adapter})`, n: scores.root.n },
          ood: scores.ood ? { description: scores.ood.description, n: scores.ood.perKey[0]!.length } : null,
          generated: { description: `samples per keyed generator (${variant})`, n: scores.root.n },
        },
        keys,
      };
      const file = request.out ? resolve(request.out) : calibrationPath(dir);
      await writeCalibration(file, calibration);
      return { file, calibration };
    } finally {
      subjects.dispose();
    }
  } finally {
    session.dispose();
  }
}
