/**
 * PNG files for `attrib identify` on a run (docs/trust.md): COUNT samples of every keyed generator
 * (OUT/G-<key>/) and COUNT held-out digits, evenly spaced through the mnist test split
 * (OUT/heldout/, digit floor(i * size / COUNT)), as 8-bit PNGs (torchvision's save_image mapping).
 * Optionally COUNT images of an IDX file (OUT/ood/), e.g. Fashion-MNIST, and ROOT samples of the
 * run's root (OUT/root/): authentic images that no calibration has seen (fresh latents).
 *   tsx --conditions=source packages/cli/scripts/trust/write-pngs.ts --run runs/demo --out runs/demo-pngs \
 *     [--count 200] [--seed 7] [--ood /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz] [--root 1000]
 * Samples of generator g come from createRng(seed).fork(g), the root's from fork('root-pngs'); the
 * same arguments write the same files.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLoadedPluginHost, createRng, RunFolder, selectBackend, writePng, type ImageShape } from '@attrib/core';
// Internal to core (not in its public index): the run session opens and checks the run's root.
import { openRunSession } from '../../../core/src/engine/runs/session.js';

interface Args {
  run: string;
  out: string;
  count: number;
  seed: number;
  ood?: string;
  root: number;
}

function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = { count: 200, seed: 7, root: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: expected a value after it`);
    if (flag === '--run') args.run = resolve(value);
    else if (flag === '--out') args.out = resolve(value);
    else if (flag === '--ood') args.ood = resolve(value);
    else if (flag === '--count' || flag === '--seed' || flag === '--root') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || (flag === '--count' && n === 0)) throw new Error(`${flag} ${JSON.stringify(value)}: expected a ${flag === '--count' ? 'positive' : 'non-negative'} integer`);
      args[flag === '--count' ? 'count' : flag === '--seed' ? 'seed' : 'root'] = n;
    } else throw new Error(`unknown argument ${flag}; expected --run, --out, --count, --seed, --ood or --root`);
  }
  if (!args.run || !args.out) throw new Error('--run DIR and --out DIR are required');
  return args as Args;
}

/** Writes images NHWC in [-1, 1] as OUT/dir/00000.png, ... */
async function writeBatch(images: tf.Tensor4D, dir: string, shape: ImageShape): Promise<void> {
  await writeBatchAt(images, dir, shape, 0);
}

/** Writes images NHWC in [-1, 1] as OUT/dir/<first>.png, <first + 1>.png, ... */
async function writeBatchAt(images: tf.Tensor4D, dir: string, shape: ImageShape, first: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const bytes = tf.tidy(() => tf.floor(tf.clipByValue(tf.add(tf.mul(tf.add(tf.clipByValue(images, -1, 1), 1), 127.5), 0.5), 0, 255)));
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  const size = shape.height * shape.width * shape.channels;
  for (let i = 0; i < images.shape[0]; i++) {
    await writePng(join(dir, `${String(first + i).padStart(5, '0')}.png`), {
      width: shape.width, height: shape.height, channels: shape.channels as 1 | 3, data: data.subarray(i * size, (i + 1) * size),
    });
  }
}

const args = parseArgs(process.argv.slice(2));
tf.env().set('PROD', true);
await selectBackend({});
const { host, warnings } = await createLoadedPluginHost({ workspaceFrom: process.cwd() });
warnings.forEach((w) => process.stderr.write(`${w}\n`));
const folder = await RunFolder.open(args.run);
const rng = createRng(args.seed);
let shape: ImageShape | undefined;
for (const id of folder.manifest.generators) {
  const generator = await folder.readGenerator(id, (name) => host.adapter(name));
  try {
    shape = generator.imageShape;
    const batch = tf.tidy(() => generator.generate(generator.sampleInputs(args.count, rng.fork(id))));
    await writeBatch(batch, join(args.out, `G-${id}`), shape);
    batch.dispose();
  } finally {
    generator.dispose();
  }
}
if (!shape) throw new Error(`run ${args.run} has no keyed generators`);

/** COUNT images of `source`, evenly spaced through it. */
async function writeSpaced(source: { size: number; read(indices: readonly number[]): tf.Tensor4D }, dir: string): Promise<void> {
  if (source.size < args.count) throw new Error(`${dir}: the source holds ${source.size} images; expected at least --count ${args.count}`);
  const batch = source.read(Array.from({ length: args.count }, (_, i) => Math.floor((i * source.size) / args.count)));
  await writeBatch(batch, dir, shape!);
  batch.dispose();
}

await writeSpaced(await host.imageSource('mnist').open({ shape, split: 'test' }), join(args.out, 'heldout'));
if (args.ood) await writeSpaced(await host.imageSource('idx').open({ shape, path: args.ood }), join(args.out, 'ood'));
if (args.root > 0) {
  const session = await openRunSession(host, args.run);
  try {
    for (let start = 0; start < args.root; start += 100) {
      const batch = tf.tidy(() => session.root.generate(session.root.sampleInputs(Math.min(100, args.root - start), rng.fork('root-pngs').fork(String(start)))));
      await writeBatchAt(batch, join(args.out, 'root'), shape, start);
      batch.dispose();
    }
  } finally {
    session.dispose();
  }
}
process.stdout.write(`wrote ${args.count} PNGs per set to ${args.out}: ${folder.manifest.generators.map((id) => `G-${id}`).join(', ')}, heldout${args.ood ? ', ood' : ''}${args.root > 0 ? `; ${args.root} root samples` : ''}\n`);
