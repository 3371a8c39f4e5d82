import { formatShape, type ImageShape, type RootTrainingResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AttribCommand } from '../../base-command.js';
import { parseParams } from '../../params.js';

/** `NAME` or `NAME:PATH` (`mnist`, `idx:train-images-idx3-ubyte.gz`, `folder:celeba/`). */
export function parseDataSpec(spec: string): { name: string; path?: string } {
  const colon = spec.indexOf(':');
  if (colon === 0) throw new Error(`--data ${JSON.stringify(spec)}: expected NAME or NAME:PATH`);
  return colon < 0 ? { name: spec } : { name: spec.slice(0, colon), path: resolve(spec.slice(colon + 1)) };
}

export interface RootTrainOutput extends RootTrainingResult {
  adapter: string;
  data: string;
  imageShape: ImageShape;
  outDir: string;
}

export default class RootTrain extends AttribCommand<typeof RootTrain> {
  static override summary = 'Train a root generator (G0) from scratch on real data.';

  static override description = `Runs the adapter's own root-training recipe (for dcgan: standard DCGAN training, Adam 2e-4 with
beta1 0.5, binary cross-entropy, D and G steps alternating) with a checkpoint and a sample grid per
epoch in --out. --resume continues after the last finished epoch. The final generator is
OUT/generator.ckpt, usable as the root of a run.`;

  static override examples = [
    '<%= config.bin %> root train --adapter dcgan --data mnist --out runs/mnist-root --epochs 5 --batch-size 32',
    '<%= config.bin %> root train --adapter dcgan --data folder:celeba_cropped --size 64 --channels 3 --out runs/celeba-root',
  ];

  static override flags = {
    adapter: Flags.string({ summary: 'Adapter whose generator to train. Default: dcgan.' }),
    data: Flags.string({ summary: 'Real images: NAME or NAME:PATH (mnist, idx:FILE, folder:DIR). Default: mnist.' }),
    out: Flags.string({ summary: 'Folder for checkpoints, sample grids and training.json (required).' }),
    size: Flags.integer({ summary: "Image side. Default: the adapter's default resolution." }),
    channels: Flags.integer({ summary: "Image channels. Default: the adapter's default." }),
    epochs: Flags.integer({ summary: "Epochs in total (with --resume: up to this many). Default: the adapter's." }),
    'batch-size': Flags.integer({ summary: "Batch size. Default: the adapter's (dcgan: 64)." }),
    lr: Flags.string({ summary: "Learning rate. Default: the adapter's (dcgan: 2e-4)." }),
    beta1: Flags.string({ summary: "Adam beta1. Default: the adapter's (dcgan: 0.5)." }),
    seed: Flags.integer({ summary: 'Seed of weights, data order and latents. Default: 0.' }),
    param: Flags.string({ summary: 'Architecture setting of the adapter, key=value (repeatable), e.g. ngf=32.', multiple: true, multipleNonGreedy: true }),
    resume: Flags.boolean({ summary: 'Continue the training recorded in --out.' }),
  };

  async run(): Promise<RootTrainOutput> {
    const number = (flag: string, value: string | undefined): number | undefined => {
      if (value === undefined) return undefined;
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new Error(`--${flag} ${JSON.stringify(value)}: expected a number`);
      return parsed;
    };
    const s = this.settings(
      {
        adapter: 'dcgan', data: 'mnist', out: '', size: undefined as number | undefined, channels: undefined as number | undefined,
        epochs: undefined as number | undefined, batchSize: undefined as number | undefined, lr: undefined as number | undefined,
        beta1: undefined as number | undefined, seed: 0, params: {} as Record<string, unknown>, resume: false,
      },
      {
        adapter: this.flags.adapter, data: this.flags.data, out: this.flags.out, size: this.flags.size, channels: this.flags.channels,
        epochs: this.flags.epochs, batchSize: this.flags['batch-size'], lr: number('lr', this.flags.lr), beta1: number('beta1', this.flags.beta1),
        seed: this.flags.seed, params: this.flags.param ? parseParams(this.flags.param) : undefined, resume: this.flags.resume || undefined,
      },
      'root',
    );
    if (s.out === '') throw new Error('--out is required (the folder for checkpoints and sample grids)');
    const host = await this.plugins();
    const adapter = host.adapter(s.adapter);
    if (!adapter.trainRoot) throw new Error(`adapter ${adapter.name} cannot train a root model (it has no root-training recipe)`);
    const side = s.size ?? adapter.defaults.resolution;
    const channels = s.channels ?? adapter.defaults.channels;
    if (typeof side !== 'number' || typeof channels !== 'number') {
      throw new Error(`adapter ${adapter.name} has no default image size; give --size and --channels`);
    }
    const shape = { height: side, width: side, channels };
    const spec = parseDataSpec(s.data);
    await this.backend();
    const data = await host.imageSource(spec.name).open({ shape, ...(spec.path ? { path: spec.path } : {}) });
    const outDir = this.configPath(s.out);
    this.info(`training a ${adapter.name} root on ${data.description} (${data.size} images, ${formatShape(shape)}) in ${outDir}`);
    let bar: ReturnType<typeof this.progress> | undefined;
    const result = await adapter.trainRoot({
      data, outDir, config: s.params, seed: s.seed, resume: s.resume,
      ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
      ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
      ...(s.lr !== undefined ? { learningRate: s.lr } : {}),
      ...(s.beta1 !== undefined ? { beta1: s.beta1 } : {}),
      onProgress: (event) => {
        if (event.kind === 'step') {
          if (event.step === 1) bar = this.progress(`epoch ${event.epoch}/${event.epochs}`, event.steps);
          bar?.update(event.step);
          return;
        }
        bar?.stop();
        const losses = Object.entries(event.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
        this.info(`epoch ${event.epoch}/${event.epochs} in ${event.seconds.toFixed(0)} s (${losses}): ${event.samples}`);
      },
    });
    this.out(`root generator: ${result.generatorFile} (${result.epochs} epochs; samples ${result.samples})`);
    return { ...result, adapter: adapter.name, data: data.description, imageShape: shape, outDir };
  }
}
