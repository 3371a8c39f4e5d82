import {
  generateImages, loadExportedModel, openGeneratorFile, readNpy, writeNpy, type GeneratorFileFormat, type ImageShape, type ImageSource,
} from '@attrib/core';
import { Flags } from '@oclif/core';
import * as tf from '@tensorflow/tfjs-core';
import { resolve } from 'node:path';
import { AttribCommand } from '../base-command.js';
import type { Progress } from '../progress.js';
import { parseParams } from '../params.js';

export interface GenerateResult {
  adapter: string;
  checkpoint: string;
  /** `attrib` for our checkpoints, `reference` for the release's own format. */
  checkpointFormat: GeneratorFileFormat;
  inputs: string;
  inputShape: number[];
  out: string;
  outputShape: number[];
}

/** What `generate --model` returns. */
export interface GenerateImagesCommandResult {
  model: string;
  out: string;
  count: number;
  seed: number;
  /** Images written now, and kept from an interrupted job (--resume). */
  written: number;
  kept: number;
  latentSize: number;
  imageShape: ImageShape;
}

/**
 * The .npy inputs (NCHW) as source-domain images, so that an image-to-image adapter reading a
 * reference checkpoint (which does not record the image size) takes its size from them.
 */
function npyImageSource(file: string, npy: { shape: readonly number[]; values: Float32Array }): ImageSource | undefined {
  if (npy.shape.length !== 4) return undefined;
  const [count, channels, height, width] = npy.shape as [number, number, number, number];
  return {
    description: file,
    shape: { height, width, channels },
    size: count,
    read: (indices) => tf.tidy(() => tf.transpose(tf.gather(tf.tensor4d(npy.values, [count, channels, height, width]), [...indices], 0), [0, 2, 3, 1])),
  };
}

export default class Generate extends AttribCommand<typeof Generate> {
  static override summary = 'Write PNG images from an exported model, or run a generator on latents from a .npy file.';

  static override description = `Two forms.
--model DIR --count N --out DIR [--seed S]: loads a model written by \`attrib export\` (model.json and
weights.bin; no attrib checkpoint or adapter needed), draws N latents from N(0, I) (latent i depends on
the seed and i only) and writes OUT/00000.png, ... as 8-bit grey or RGB PNGs (torchvision's save_image
mapping). The same seed gives the same images; --resume finishes an interrupted job.
--checkpoint FILE --inputs FILE --out FILE: runs a generator in eval mode on inputs from a .npy file and
writes its outputs as .npy, both in the reference release's layout, so results compare directly with
PyTorch: inputs are latents shaped as the reference shapes them (e.g. [N, 512] for pgan, [N, nz, 1, 1]
for dcgan) or, for image-to-image adapters, images NCHW in [-1, 1]; outputs are images NCHW, float32.
--checkpoint takes an attrib checkpoint (.ckpt) or a reference one (.pth, read by --adapter).`;

  static override examples = [
    '<%= config.bin %> generate --model models/key-2 --count 100 --out images/key-2 --seed 7',
    '<%= config.bin %> generate --adapter pgan --checkpoint celebaCropped_s5_i83000-2b0acc76.pth --inputs z.npy --out images.npy',
    '<%= config.bin %> generate --checkpoint runs/mnist/generators/key-1/generator.ckpt --inputs z.npy --out images.npy',
  ];

  static override flags = {
    model: Flags.string({ summary: 'An exported model: its folder or model.json (the PNG form).' }),
    count: Flags.integer({ summary: 'Number of images to write (with --model).' }),
    seed: Flags.integer({ summary: 'Seed of the latents (with --model). Default 0.' }),
    resume: Flags.boolean({ summary: 'Keep the images an interrupted --model job wrote to --out and write the rest.' }),
    adapter: Flags.string({ summary: 'Adapter of the generator (required for reference checkpoints).' }),
    checkpoint: Flags.string({ summary: 'attrib checkpoint (.ckpt) or reference checkpoint (.pth).' }),
    inputs: Flags.string({ summary: 'Inputs, .npy float array in the reference layout.' }),
    out: Flags.string({ summary: 'Folder for the PNG images (--model), or .npy file for the images (NCHW, float32).' }),
    option: Flags.string({ summary: "An option of the adapter's reference reader, key=value (repeatable).", multiple: true }),
    'batch-size': Flags.integer({ summary: 'Inputs per forward pass (memory only; results do not change). Default 16.' }),
  };

  async run(): Promise<GenerateResult | GenerateImagesCommandResult> {
    const settings = this.settings(
      {
        adapter: '', checkpoint: '', inputs: '', out: '', options: {} as Record<string, unknown>, batchSize: 16,
        model: '', count: undefined as number | undefined, seed: undefined as number | undefined, resume: false,
      },
      {
        adapter: this.flags.adapter,
        checkpoint: this.flags.checkpoint,
        inputs: this.flags.inputs,
        out: this.flags.out,
        options: this.flags.option ? parseParams(this.flags.option, '--option') : undefined,
        batchSize: this.flags['batch-size'],
        model: this.flags.model,
        count: this.flags.count,
        seed: this.flags.seed,
        resume: this.flags.resume || undefined,
      },
      'generate',
    );
    const npyForm: string[] = (['checkpoint', 'inputs', 'adapter'] as const).filter((flag) => settings[flag] !== '');
    if (Object.keys(settings.options).length > 0) npyForm.push('option');
    const modelForm: string[] = (['count', 'seed'] as const).filter((flag) => settings[flag] !== undefined);
    if (settings.resume) modelForm.push('resume');
    if (settings.model !== '' && npyForm.length > 0) {
      throw new Error(`--model (an exported model) does not go with ${npyForm.map((f) => `--${f}`).join(', ')} (a checkpoint run on .npy inputs); give one form`);
    }
    if (settings.model === '' && npyForm.length > 0 && modelForm.length > 0) {
      throw new Error(`${modelForm.map((f) => `--${f}`).join(', ')} go with --model (an exported model), not with ${npyForm.map((f) => `--${f}`).join(', ')}; give one form`);
    }
    if (settings.model === '' && npyForm.length === 0) {
      throw new Error('give --model DIR --count N --out DIR (PNG images from an exported model) or --checkpoint FILE --inputs FILE --out FILE (.npy)');
    }
    if (!Number.isInteger(settings.batchSize) || settings.batchSize <= 0) {
      throw new Error(`--batch-size must be a positive integer, got ${JSON.stringify(settings.batchSize)}`);
    }
    if (settings.model !== '') return this.fromModel({ ...settings, seed: settings.seed ?? 0 });
    for (const flag of ['checkpoint', 'inputs', 'out'] as const) {
      if (settings[flag] === '') throw new Error(`--${flag} is required`);
    }
    const checkpoint = resolve(settings.checkpoint);
    const inputsFile = resolve(settings.inputs);
    const out = resolve(settings.out);

    const inputs = await readNpy(inputsFile);
    if (inputs.dtype !== 'float32') throw new Error(`${inputsFile}: holds integers; expected a float array`);
    if (inputs.shape.length === 0 || inputs.shape[0] === 0) throw new Error(`${inputsFile}: shape [${inputs.shape.join(', ')}] holds no inputs`);
    const host = await this.plugins();
    await this.backend();
    const source = npyImageSource(inputsFile, { shape: inputs.shape, values: inputs.values as Float32Array });
    const adapter = settings.adapter === '' ? undefined : host.adapter(settings.adapter);
    const context = adapter?.inputKind === 'image' && source ? { inputs: source } : undefined;
    const { generator, format } = await openGeneratorFile(checkpoint, (name) => host.adapter(name), { adapter: settings.adapter, context, options: settings.options });
    try {
      generator.setMode('eval');
      const images = tf.tensor(inputs.values, [...inputs.shape]);
      const count = inputs.shape[0]!;
      const { height, width, channels } = generator.imageShape;
      const perImage = height * width * channels;
      const values = new Float32Array(count * perImage);
      const progress = this.progress(`generate ${generator.adapter}`, count);
      try {
        for (let start = 0; start < count; start += settings.batchSize) {
          const size = Math.min(settings.batchSize, count - start);
          const chunk = tf.tidy(() => {
            let batch = tf.slice(images, start, size);
            // Image-to-image inputs arrive NCHW, as the reference feeds them; generators take NHWC.
            if (generator.inputKind === 'image') {
              if (batch.rank !== 4) throw new Error(`images of shape [${inputs.shape.join(', ')}]; expected NCHW [N, C, H, W]`);
              batch = tf.transpose(batch, [0, 2, 3, 1]);
            }
            return tf.transpose(generator.generate(batch), [0, 3, 1, 2]);
          });
          values.set(await chunk.data() as Float32Array, start * perImage);
          chunk.dispose();
          progress.increment(size);
        }
      } catch (error) {
        throw new Error(`${inputsFile}: ${(error as Error).message}`);
      } finally {
        images.dispose();
        progress.stop();
      }
      const outputShape = [count, channels, height, width];
      await writeNpy(out, { shape: outputShape, dtype: 'float32', values });
      this.out(`wrote ${count} image${count === 1 ? '' : 's'} (${outputShape.join('x')}, NCHW) to ${out}`);
      return { adapter: generator.adapter, checkpoint, checkpointFormat: format, inputs: inputsFile, inputShape: [...inputs.shape], out, outputShape };
    } finally {
      generator.dispose();
    }
  }

  /** The --model form: PNG images from an exported model. */
  private async fromModel(settings: { model: string; out: string; count: number | undefined; seed: number; resume: boolean; batchSize: number }): Promise<GenerateImagesCommandResult> {
    if (settings.count === undefined) throw new Error('--count is required with --model (the number of images)');
    if (!Number.isInteger(settings.count) || settings.count <= 0) throw new Error(`--count must be a positive integer, got ${settings.count}`);
    if (settings.out === '') throw new Error('--out is required (the folder to write the images to)');
    const modelPath = this.configPath(settings.model);
    const out = this.configPath(settings.out);
    await this.backend();
    const model = await loadExportedModel(modelPath);
    // Started at the first finished batch, so that a refused job prints no progress before its error.
    let progress: Progress | undefined;
    try {
      const result = await generateImages({
        model, modelPath, count: settings.count, seed: settings.seed, outDir: out, batchSize: settings.batchSize,
        resume: settings.resume, onProgress: (done) => (progress ??= this.progress('generate', settings.count!)).update(done),
      });
      const { height, width, channels } = result.imageShape;
      const kept = result.kept > 0 ? ` (kept ${result.kept} from the earlier job)` : '';
      this.out(`wrote ${result.written} image${result.written === 1 ? '' : 's'} (${height}x${width}x${channels} PNG) to ${out}${kept}`);
      return {
        model: modelPath, out, count: settings.count, seed: settings.seed, written: result.written, kept: result.kept,
        latentSize: result.latentSize, imageShape: result.imageShape,
      };
    } finally {
      progress?.stop();
      model.dispose();
    }
  }
}
