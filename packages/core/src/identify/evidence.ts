import type { CalibrationFile } from '../calibration/calibration-file.js';
import { authenticProbability, checkRate, chooseThreshold } from '../calibration/threshold.js';
import type { GaussianTail } from '../calibration/tail-fit.js';
import { weighVerdict, type KeyScore, type Verdict } from './verdict.js';

/** One key's authentic reference and bar, from a calibration. */
interface KeyReference {
  readonly sorted: Float64Array;
  readonly tail: GaussianTail;
  readonly bar: number;
}

/** What `identify` weighs scores with: per key the authentic reference, and the bars for `fpr`. */
export interface EvidenceModel {
  /** The requested false-attribution rate; without it the bars are 0 (the sign rule). */
  readonly fpr?: number;
  readonly confidence: number;
  readonly keys: ReadonlyMap<string, KeyReference>;
}

/**
 * The evidence model of a calibration for keys `keyIds` (every one must be calibrated): with
 * `fpr`, each key's bar is its threshold for that rate ({@link chooseThreshold}), else 0.
 * `file` names the calibration in errors.
 */
export function evidenceModel(calibration: CalibrationFile, keyIds: readonly string[], file: string, fpr?: number): EvidenceModel {
  if (fpr !== undefined) checkRate(fpr, '--fpr');
  const byId = new Map(calibration.keys.map((k) => [k.key, k]));
  const keys = new Map<string, KeyReference>();
  for (const id of keyIds) {
    const k = byId.get(id);
    if (!k) throw new Error(`${file}: key ${id} is not calibrated (calibrated: ${[...byId.keys()].join(', ')}); run \`attrib calibrate\` again`);
    const sorted = Float64Array.from(k.authentic).sort();
    keys.set(id, { sorted, tail: k.tail, bar: fpr === undefined ? 0 : chooseThreshold(sorted, k.tail, fpr, calibration.confidence).value });
  }
  return { ...(fpr !== undefined ? { fpr } : {}), confidence: calibration.confidence, keys };
}

/**
 * The verdict on one image's scores: without a model, the sign rule with the claimant's margin;
 * with one, each score also carries its bar and how often an authentic image scores that low.
 */
export function judge(scores: readonly { key: string; score: number }[], model?: EvidenceModel): Verdict {
  if (!model) return weighVerdict(scores.map((s) => ({ key: s.key, score: s.score })));
  const weighed: KeyScore[] = scores.map(({ key, score }) => {
    const ref = model.keys.get(key)!;
    return { key, score, bar: ref.bar, authentic: authenticProbability(ref.sorted, ref.tail, score, model.confidence) };
  });
  return weighVerdict(weighed, model.fpr);
}
