/**
 * Capacity (issue 26, part 3): attributability of N keyed generators on MNIST with the demo's
 * schedule, for N = 10, 20, 50, 100 by default, one run folder per N, one worker thread:
 *   tsx --conditions=source packages/cli/scripts/fidelity/capacity.ts --out DIR [--keys 10,20,50,100] [--seed 0] [--profile fast] [--backend wasm]
 * A run of N keys resumes where it stopped (run it again after an interruption). Prints one JSON
 * line per N and, at the end, a markdown table: N, mean and worst distinguishability,
 * attributability (mean and worst generator), the largest |cos| between two keys, wall time.
 * Not a test: hours for 100 keys.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLoadedPluginHost, loadRunKeys, RunFolder, runPipeline, selectBackend } from '@attrib/core';
import { keyCosines, maxAbsOffDiagonal } from '../../src/demo/key-angles.js';
import { demoProfile } from '../../src/demo/profiles.js';

function parseArgs(argv: string[]): { out: string; keys: number[]; seed: number; profile: string; backend: string } {
  const args = { out: '', keys: [10, 20, 50, 100], seed: 0, profile: 'fast', backend: 'wasm' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--profile') args.profile = value;
    else if (flag === '--backend') args.backend = value;
    else if (flag === '--seed' && Number.isInteger(Number(value))) args.seed = Number(value);
    else if (flag === '--keys' && value.split(',').every((v) => Number.isInteger(Number(v)) && Number(v) > 1)) args.keys = value.split(',').map(Number);
    else throw new Error(`${flag} ${value}: expected --out DIR, --keys N,N,..., --seed N, --profile NAME or --backend NAME`);
  }
  if (!args.out) throw new Error('--out DIR is required');
  return args;
}

const args = parseArgs(process.argv.slice(2));
tf.env().set('PROD', true);
await selectBackend({ prefer: args.backend });
const { host, warnings } = await createLoadedPluginHost({ workspaceFrom: process.cwd() });
warnings.forEach((w) => process.stderr.write(`${w}\n`));
const profile = demoProfile(args.profile);
const rows: string[] = [];
for (const n of args.keys) {
  const dir = join(args.out, `keys-${n}`);
  const started = performance.now();
  const result = await runPipeline(host, {
    dir, adapter: 'dcgan', root: 'pretrained:mnist32', data: { source: 'mnist' }, seed: args.seed, keys: n,
    resume: await RunFolder.exists(dir), first: profile.stages.first, moreKeys: profile.stages.keys, generators: profile.stages.generators, workers: 1,
    metrics: ['distinguishability', 'attributability'],
  }, {
    onEvent(event) {
      if (event.type === 'epoch' && event.epoch + 1 === event.epochs) process.stderr.write(`N=${n} ${event.unit} done: ${JSON.stringify(event.report)}\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const keys = await loadRunKeys(dir);
  const maxCos = maxAbsOffDiagonal(keyCosines(keys));
  keys.forEach((k) => k.dispose());
  const r = result.evaluation.record.results;
  const record = {
    keys: n, distinguishability: r.distinguishability?.summary, attributability: r.attributability?.summary, maxAbsCos: maxCos, seconds,
  };
  process.stdout.write(`${JSON.stringify(record)}\n`);
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
  rows.push(`| ${n} | ${f(r.distinguishability?.summary.mean)} | ${f(r.distinguishability?.summary.min)} | ${f(r.attributability?.summary.mean)} | ${f(r.attributability?.summary.min)} | ${maxCos.toFixed(3)} | ${Math.round(seconds)} |`);
}
process.stdout.write(['', '| keys | distinguishability (mean) | (worst key) | attributability (mean) | (worst generator) | max abs cos | seconds |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows, ''].join('\n'));
