/**
 * The CSVs of docs/results/trust/ from the JSON the trust commands print:
 *   tsx packages/cli/scripts/trust/results-csv.ts --out docs/results/trust \
 *     --calibration calibrate.json [--calibration calibrate-jpeg.json ...] \
 *     --certify certify.json --evaluate tpr-none.json [--evaluate tpr-jpeg.json ...]
 * calibrate.json is `attrib calibrate --json`, certify.json `attrib certify --json`, each
 * tpr-*.json `attrib evaluate --metrics tpr-at-fpr --json`. Writes calibration.csv (a row per
 * calibration and key), certify-pairs.csv, certify-keys.csv and tpr-at-fpr.csv (a row per
 * evaluation, key and rate).
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CalibrateRunResult, CertifyRunResult, MeasuredRate } from '@attrib/core';

const args: { out?: string; calibration: string[]; certify?: string; evaluate: string[] } = { calibration: [], evaluate: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [flag, value] = [argv[i]!, argv[i + 1]];
  if (value === undefined) throw new Error(`${flag}: expected a value after it`);
  if (flag === '--out') args.out = resolve(value);
  else if (flag === '--calibration') args.calibration.push(resolve(value));
  else if (flag === '--certify') args.certify = resolve(value);
  else if (flag === '--evaluate') args.evaluate.push(resolve(value));
  else throw new Error(`unknown argument ${flag}; expected --out, --calibration, --certify or --evaluate`);
}
if (!args.out) throw new Error('--out DIR is required');
mkdirSync(args.out, { recursive: true });

const read = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const rate = (r: MeasuredRate | null | undefined): (string | number)[] => (r ? [r.k, r.n, r.lower, r.upper] : ['', '', '', '']);
const rateHeader = (name: string) => [`${name}_k`, `${name}_n`, `${name}_lower95`, `${name}_upper95`];
function write(name: string, header: string[], rows: (string | number | boolean)[][]): void {
  const text = [header, ...rows].map((row) => row.map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? JSON.stringify(v) : String(v))).join(',')).join('\n');
  writeFileSync(join(args.out!, name), `${text}\n`);
}

if (args.calibration.length > 0) {
  const rows = args.calibration.flatMap((file) => {
    const { calibration: c } = read<CalibrateRunResult>(file);
    return c.keys.map((k) => [
      c.postProcess?.name ?? 'none', c.fpr, k.key, k.threshold.value, k.threshold.basis, k.threshold.measurable, k.threshold.extrapolatedQuantile,
      ...rate(k.falseAttribution.heldOut), ...rate(k.falseAttribution.root), ...rate(k.falseAttribution.ood), k.falseAttribution.extrapolated,
      ...rate(k.detection), ...rate(k.otherGenerators),
    ]);
  });
  write('calibration.csv', [
    'postprocess', 'target_fpr', 'key', 'threshold', 'basis', 'measurable', 'fitted_quantile',
    ...rateHeader('heldout'), ...rateHeader('root'), ...rateHeader('ood'), 'fitted_rate', ...rateHeader('tpr'), ...rateHeader('other_generators'),
  ], rows);
}

if (args.certify) {
  const c = read<CertifyRunResult>(args.certify);
  write('certify-pairs.csv', ['key_i', 'key_j', 'degrees', 'cosine', 'a', 'min_degrees', 'holds', 'orthogonal', 'guaranteed', 'guaranteed_lower', ...rateHeader('attributability')],
    c.pairs.map((p) => [p.keys[0], p.keys[1], p.degrees, p.cosine, p.angleBound, p.minDegrees, p.holds, p.orthogonal, p.guaranteed, p.guaranteedLower, ...rate(p.attributability)]));
  write('certify-keys.csv', ['key', ...rateHeader('heldout_unclaimed'), ...rateHeader('own_claimed'), 'delta', 'delta_upper', 'd_min', 'd_max', 'authentic_claimed', 'authentic_n'],
    c.keys.map((k) => [k.key, ...rate(k.realUnclaimed), ...rate(k.ownClaimed), k.delta, k.deltaUpper, k.extent.dMin, k.extent.dMax, k.extent.notCompliant, k.extent.n]));
}

interface TprRecord {
  record: { postProcess: { name: string } | null; results: { 'tpr-at-fpr': { details: { perKey: { key: string; authentic: number; rates: { fpr: number; threshold: number; authenticBelow: number; tpr: number; measurable: boolean }[] }[]; generatedSamples: number } } } };
}
if (args.evaluate.length > 0) {
  const rows = args.evaluate.flatMap((file) => {
    const { record } = read<TprRecord>(file);
    const details = record.results['tpr-at-fpr'].details;
    return details.perKey.flatMap((k) => k.rates.map((r) => [record.postProcess?.name ?? 'none', k.key, r.fpr, r.threshold, r.authenticBelow, k.authentic, r.measurable, r.tpr, details.generatedSamples]));
  });
  write('tpr-at-fpr.csv', ['postprocess', 'key', 'fpr', 'threshold', 'authentic_below', 'authentic_n', 'measurable', 'tpr', 'samples'], rows);
}
process.stdout.write(`wrote CSVs to ${args.out}\n`);
