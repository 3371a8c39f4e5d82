import { createRng, writePng, type Params } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import * as tf from '@tensorflow/tfjs-core';
import { basename, extname, join, resolve } from 'node:path';
import { AttribCommand } from '../../base-command.js';
import { imageToTensor, readPngAsIs, tensorToImage } from '../../images.js';
import { parseParams } from '../../params.js';

export interface ApplyResult {
  postprocess: string;
  params: Params;
  mode: 'eval' | 'train';
  seed: number;
  backend: string;
  outputs: { input: string; output: string }[];
}

export default class PostprocessApply extends AttribCommand<typeof PostprocessApply> {
  static override summary = 'Apply a post-process (ours or a plugin\'s) to PNG images.';

  static override description = `Reads each PNG (grey or RGB), maps its bytes to [-1, 1], applies the post-process and writes the
result as a PNG of the same name into --out. --mode eval applies the evaluation strength; --mode train
draws a random strength per image from --seed, as robust training does.`;

  static override examples = [
    '<%= config.bin %> postprocess apply --postprocess blur --out blurred/ a.png b.png',
    '<%= config.bin %> postprocess apply --postprocess jpeg --param quality=50 --out out/ img.png',
    '<%= config.bin %> postprocess apply --plugins-dir ./my-plugins --postprocess invert --out out/ img.png',
  ];

  static override strict = false;

  static override args = {
    image: Args.string({ description: 'PNG file(s) to process.', required: true }),
  };

  static override flags = {
    postprocess: Flags.string({ summary: 'Name of the post-process (see `attrib components --kind post-process`).' }),
    param: Flags.string({ summary: 'A parameter of the post-process, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
    mode: Flags.string({ summary: 'eval: evaluation strength; train: random strength. Default eval.', options: ['eval', 'train'] }),
    seed: Flags.integer({ summary: 'Seed of the random strengths and noise. Default 0.' }),
    out: Flags.string({ summary: 'Folder to write the processed PNGs into.' }),
  };

  async run(): Promise<ApplyResult> {
    const settings = this.settings(
      { postprocess: '', params: {} as Record<string, unknown>, mode: 'eval', seed: 0, out: '' },
      {
        postprocess: this.flags.postprocess,
        params: this.flags.param ? parseParams(this.flags.param) : undefined,
        mode: this.flags.mode,
        seed: this.flags.seed,
        out: this.flags.out,
      },
      'postprocess',
    );
    if (settings.postprocess === '') throw new Error('--postprocess is required (the name of a post-process; see `attrib components`)');
    if (settings.out === '') throw new Error('--out is required (the folder to write the processed PNGs into)');
    if (settings.mode !== 'eval' && settings.mode !== 'train') throw new Error(`--mode must be eval or train, got ${JSON.stringify(settings.mode)}`);
    const mode = settings.mode;
    const inputs = [this.args.image, ...this.restArgv];
    const outDir = this.flags.out !== undefined ? resolve(settings.out) : this.configPath(settings.out);

    const host = await this.plugins();
    const factory = host.postProcess(settings.postprocess);
    const postProcess = factory.create(settings.params);
    const backend = await this.backend();
    const rng = createRng(settings.seed);

    const progress = this.progress(`postprocess ${factory.name}`, inputs.length);
    const outputs: ApplyResult['outputs'] = [];
    for (const [index, input] of inputs.entries()) {
      const image = await readPngAsIs(input);
      const output = join(outDir, `${basename(input, extname(input))}.png`);
      const batch = imageToTensor(image);
      let processed: tf.Tensor4D | undefined;
      try {
        processed = await postProcess.apply(batch, { mode, rng: rng.fork(index) });
        const [, height, width, channels] = processed.shape;
        if (height !== image.height || width !== image.width || channels !== image.channels) {
          throw new Error(`post-process ${factory.name} changed the image shape of ${input} from ${image.height}x${image.width}x${image.channels} to ${height}x${width}x${channels}`);
        }
        await writePng(output, await tensorToImage(processed));
      } finally {
        batch.dispose();
        if (processed !== batch) processed?.dispose();
      }
      outputs.push({ input: resolve(input), output });
      progress.increment();
    }
    progress.stop();
    this.out(`wrote ${outputs.length} image${outputs.length === 1 ? '' : 's'} to ${outDir}`);
    return { postprocess: factory.name, params: postProcess.params, mode, seed: settings.seed, backend: backend.name, outputs };
  }
}
