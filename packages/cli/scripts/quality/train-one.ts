/**
 * Issue 21's experiments: trains keyed generators for chosen keys of an existing run (its keys,
 * the shipped MNIST root), with stage options given as JSON, and measures each one the way the
 * demo does, on fewer samples: distinguishability (1,000 real, 1,000 generated), the share of
 * 1,000 samples claimed by the own key and no other key of the run ("attributable", without the
 * 8-bit round trip), the L2 to the root and the floor on 2,000 shared latents, and the FID
 * (2,000 samples, attrib's MNIST classifier; the root's FID is printed once per call).
 *   tsx --conditions=source packages/cli/scripts/quality/train-one.ts --run runs/base-s0 --keys key-2 \
 *     --options '{"objective":"projected","alpha":100,"epochs":6,"stepsPerEpoch":50}' [--label NAME] [--grid DIR] [--seed 0] [--no-fid]
 * Prints one JSON line per key (prefixed RESULT) with the options, the seconds of training and the numbers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  createRng, distinguishability, floor, loadRunKeys, mnistImageSource, selectBackend,
  trainKey, trainKeyedGenerator, writePng, type GeneratorStageOptions, type Key, type KeyStageOptions, type OptionsInput,
} from '@attrib/core';
import { loadPretrainedDcgan } from '@attrib/adapter-dcgan';
import { generatedScoresByKey } from '../../../core/src/engine/checks.js';
// Internal to core since issue 20 (not in its public index): the script reads them from the source.
import { fid } from '../../../core/src/metrics/fid.js';
import { sampleGrid } from '../../../core/src/io/run-folder-images.js';

interface Args {
  run: string;
  keys: string[];
  options: OptionsInput<GeneratorStageOptions>;
  /** When given, each key is first trained again with these key-stage options (against the run's earlier keys). */
  keyOptions?: OptionsInput<KeyStageOptions>;
  label: string;
  grid?: string;
  seed: number;
  fid: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { run: 'runs/base-s0', keys: ['key-2'], options: {}, label: 'run', seed: 0, fid: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--no-fid') { out.fid = false; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag}: expected a value`);
    if (flag === '--run') out.run = value;
    else if (flag === '--keys') out.keys = value.split(',');
    else if (flag === '--options') out.options = JSON.parse(value) as OptionsInput<GeneratorStageOptions>;
    else if (flag === '--label') out.label = value;
    else if (flag === '--key-options') out.keyOptions = JSON.parse(value) as OptionsInput<KeyStageOptions>;
    else if (flag === '--grid') out.grid = value;
    else if (flag === '--seed') out.seed = Number(value);
    else throw new Error(`${flag}: unknown (--run, --keys, --options, --label, --grid, --seed, --no-fid)`);
  }
  return out;
}

async function attributableShare(generator: Parameters<typeof generatedScoresByKey>[0], own: Key, others: readonly Key[], seed: number): Promise<number> {
  const [scores, ...rest] = await generatedScoresByKey(generator, [own, ...others], 1000, createRng(seed).fork('attributable'));
  let claimed = 0;
  for (let i = 0; i < scores!.length; i++) if (scores![i]! < 0 && rest.every((r) => r[i]! > 0)) claimed += 1;
  return claimed / scores!.length;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await selectBackend();
  const root = await loadPretrainedDcgan('mnist32');
  root.freeze();
  root.setMode('eval');
  const data = await mnistImageSource.open({ shape: root.imageShape });
  const keys = await loadRunKeys(args.run);
  const rng = createRng(args.seed);
  let rootFidPrinted = false;
  for (const id of args.keys) {
    let key = keys.find((k) => k.id === id);
    if (!key) throw new Error(`--keys: no ${id} in ${args.run}`);
    if (args.keyOptions) {
      const index = keys.indexOf(key);
      const fresh = await trainKey({ root, data, rng }, keys.slice(0, index), id, args.keyOptions);
      console.error(`${args.label} key ${id}: ${JSON.stringify(fresh.history.at(-1)?.report)}`);
      key.dispose();
      keys[index] = fresh.key;
      key = fresh.key;
    }
    const others = keys.filter((k) => k !== key);
    const started = Date.now();
    const onEvent = (e: { type: string; unit: string; epoch: number; report?: Readonly<Record<string, number>> }) => {
      if (e.type === 'epoch') console.error(`${args.label} ${e.unit} epoch ${e.epoch + 1}: ${JSON.stringify(e.report)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    };
    const trained = await trainKeyedGenerator({ root, data, rng, onEvent }, key, args.options, keys.slice(0, keys.indexOf(key)));
    const seconds = (Date.now() - started) / 1000;
    const { generator } = trained;
    try {
      const ctx = { root, generators: [generator], keys: [key], data, rng: createRng(args.seed).fork('evaluation') };
      const d = await distinguishability.compute({ ...ctx, samples: 1000 });
      const f = await floor.compute({ ...ctx, samples: 2000 });
      const attributable = await attributableShare(generator, key, others, args.seed);
      let fidValue: number | undefined;
      if (args.fid) {
        const r = await fid.compute({ ...ctx, samples: 2000 });
        fidValue = r.summary.mean;
        if (!rootFidPrinted) console.log(`root FID ${r.summary.root?.toFixed(2)}`);
        rootFidPrinted = true;
      }
      const history = trained.history.map((h) => ({ epoch: h.epoch, ...h.report }));
      const result = {
        label: args.label, key: id, options: args.options, keyOptions: args.keyOptions ?? null, backend: backend.name, seconds,
        distinguishability: d.summary.mean, attributable, l2: f.summary.l2, floor: f.summary.mean, ratio: f.summary.ratio, fid: fidValue,
        keptEpoch: trained.keptEpoch, history,
      };
      console.log(`RESULT ${JSON.stringify(result)}`);
      if (args.grid) {
        mkdirSync(args.grid, { recursive: true });
        const images = tf.tidy(() => generator.generate(root.sampleInputs(64, createRng(123))));
        await writePng(join(args.grid, `${args.label}-${id}.png`), await sampleGrid(images, 8));
        images.dispose();
        if (args.keys.indexOf(id) === 0) {
          const rootImages = tf.tidy(() => root.generate(root.sampleInputs(64, createRng(123))));
          await writePng(join(args.grid, 'root.png'), await sampleGrid(rootImages, 8));
          rootImages.dispose();
        }
      }
    } finally {
      generator.dispose();
    }
  }
  keys.forEach((k) => k.dispose());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
