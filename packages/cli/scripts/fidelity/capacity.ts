/**
 * Capacity (issue 26, part 3): attributability of the first N keyed generators of one MNIST run on
 * the demo's schedule, for N = 10, 20, 50, 100 by default:
 *   tsx --conditions=source packages/cli/scripts/fidelity/capacity.ts --out DIR [--keys 10,20,50,100] [--seed 0] [--profile fast] [--backend wasm] [--workers 2]
 * Trains ONE run of the largest N in DIR/keys-<largest N> (run it again after an interruption:
 * it resumes). Keys are trained one after another, each against the earlier ones, and each keyed
 * generator against its key and the earlier keys only, so the first N keys and generators of that
 * run are an N-key run. For each N it then measures distinguishability and attributability of
 * those N as `attrib evaluate` does (the run seed's evaluation stream, the profile's sample
 * counts), so the row of the largest N is `attrib evaluate DIR/keys-<N> --metrics
 * distinguishability,attributability`. Prints one JSON line per N and, at the end, a markdown
 * table: N, mean and worst distinguishability, the smallest share of real digits a key leaves
 * authentic, attributability (mean and worst generator), the largest |cos| between two of the N
 * keys, the seconds from the run's creation until those N keys and generators were trained (wall
 * clock, any pause between invocations included) and the seconds of their evaluation.
 * Not a test: hours for 100 keys.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLoadedPluginHost, RunFolder, runPipeline, selectBackend } from '@attrib/core';
import { openRunSession } from '../../../core/src/engine/runs/session.js';
import { demoProfile } from '../../src/demo/profiles.js';
import { firstKeyIds, measureFirstKeys, type CapacityRow } from './capacity-measure.js';

interface Args { out: string; keys: number[]; seed: number; profile: string; backend: string; workers: number }

function parseArgs(argv: string[]): Args {
  const args: Args = { out: '', keys: [10, 20, 50, 100], seed: 0, profile: 'fast', backend: 'wasm', workers: 2 };
  const positive = (v: string) => Number.isInteger(Number(v)) && Number(v) > 0;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--profile') args.profile = value;
    else if (flag === '--backend') args.backend = value;
    else if (flag === '--seed' && Number.isInteger(Number(value))) args.seed = Number(value);
    else if (flag === '--workers' && positive(value)) args.workers = Number(value);
    else if (flag === '--keys' && value.split(',').every((v) => positive(v) && Number(v) > 1)) args.keys = value.split(',').map(Number);
    else throw new Error(`${flag} ${value}: expected --out DIR, --keys N,N,... (each above 1), --seed N, --profile NAME, --backend NAME or --workers N`);
  }
  if (!args.out) throw new Error('--out DIR is required');
  return args;
}

/** True when `dir` holds a finished run with keyed generators key-1..key-n (nothing left to train). */
async function finished(dir: string, n: number): Promise<boolean> {
  if (!(await RunFolder.exists(dir))) return false;
  const folder = await RunFolder.open(dir);
  if (folder.manifest.pending) return false;
  try {
    firstKeyIds(folder, n);
    return true;
  } catch {
    return false;
  }
}

const args = parseArgs(process.argv.slice(2));
tf.env().set('PROD', true);
await selectBackend({ prefer: args.backend });
const { host, warnings } = await createLoadedPluginHost({ workspaceFrom: process.cwd() });
warnings.forEach((w) => process.stderr.write(`${w}\n`));
const profile = demoProfile(args.profile);
const largest = Math.max(...args.keys);
const dir = join(args.out, `keys-${largest}`);
if (await finished(dir, largest)) {
  process.stderr.write(`${dir}: ${largest} keys and generators already trained\n`);
} else {
  const started = performance.now();
  // No closing evaluation (metrics: []): each N is measured below.
  await runPipeline(host, {
    dir, adapter: 'dcgan', root: 'pretrained:mnist32', data: { source: 'mnist' }, seed: args.seed, keys: largest,
    resume: await RunFolder.exists(dir), first: profile.stages.first, moreKeys: profile.stages.keys, generators: profile.stages.generators,
    workers: args.workers, metrics: [],
  }, {
    onEvent(event) {
      if (event.type === 'epoch' && event.epoch + 1 === event.epochs) process.stderr.write(`${event.unit} done: ${JSON.stringify(event.report)}\n`);
    },
  });
  process.stderr.write(`trained ${largest} keys and generators in ${Math.round((performance.now() - started) / 1000)} s\n`);
}

const rows: CapacityRow[] = [];
const session = await openRunSession(host, dir);
try {
  for (const n of [...args.keys].sort((a, b) => a - b)) {
    const row = await measureFirstKeys(session, firstKeyIds(session.folder, n), profile.samplesByMetric ?? {});
    process.stdout.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
} finally {
  session.dispose();
}
const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
process.stdout.write([
  '',
  '| keys | distinguishability (mean) | (worst key) | real digits authentic (worst key) | attributability (mean) | (worst generator) | max abs cos | training s | evaluation s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.keys} | ${f(r.distinguishability['mean'])} | ${f(r.distinguishability['min'])} | ${f(r.worstRealShare)} | ${f(r.attributability['mean'])} | ${f(r.attributability['min'])} | ${f(r.maxAbsCos)} | ${Math.round(r.trainSeconds)} | ${Math.round(r.evaluationSeconds)} |`),
  '',
].join('\n'));
