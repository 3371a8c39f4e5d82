import { loadGenerator, readNpy, writeNpy, type Generator, type PluginHost } from '@attrib/core';
import { Flags } from '@oclif/core';
import * as tf from '@tensorflow/tfjs-core';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';

export interface GenerateResult {
  adapter: string;
  checkpoint: string;
  /** `attrib` for our checkpoints, `reference` for the release's own format. */
  checkpointFormat: 'attrib' | 'reference';
  inputs: string;
  inputShape: number[];
  out: string;
  outputShape: number[];
}

/** Whether a file starts with the attrib checkpoint signature. */
async function isAttribCheckpoint(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new Error(`${file}: cannot read checkpoint (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return bytesRead === 8 && head.toString('latin1') === 'ATTRIBCK';
  } finally {
    await handle.close();
  }
}

/** A generator from an attrib checkpoint or, through its adapter, from a reference checkpoint. */
async function openGenerator(
  file: string, adapterName: string, options: Record<string, unknown>, host: PluginHost,
): Promise<{ generator: Generator; format: GenerateResult['checkpointFormat'] }> {
  if (await isAttribCheckpoint(file)) {
    if (Object.keys(options).length > 0) throw new Error(`--option applies to reference checkpoints; ${file} is an attrib checkpoint`);
    const { generator } = await loadGenerator(file, (stored) => {
      if (adapterName !== '' && stored !== adapterName) throw new Error(`${file}: holds a ${stored} generator, not ${adapterName}`);
      return host.adapter(stored);
    });
    return { generator, format: 'attrib' };
  }
  if (adapterName === '') throw new Error(`--adapter is required to read ${file}, which is not an attrib checkpoint`);
  const adapter = host.adapter(adapterName);
  if (!adapter.importReference) throw new Error(`${file} is not an attrib checkpoint, and adapter ${adapter.name} reads no reference format`);
  return { generator: await adapter.importReference(file, undefined, options), format: 'reference' };
}

export default class Generate extends AttribCommand<typeof Generate> {
  static override summary = 'Run a generator in eval mode on inputs from a .npy file and write its outputs as .npy.';

  static override description = `Both files are NumPy arrays in the reference release's layout, so results compare directly with
PyTorch: inputs are latents shaped as the reference shapes them (e.g. [N, 512] for pgan, [N, nz, 1, 1]
for dcgan) or, for image-to-image adapters, images NCHW in [-1, 1]; outputs are images NCHW, float32.
--checkpoint takes an attrib checkpoint (.ckpt) or a reference one (.pth, read by --adapter).`;

  static override examples = [
    '<%= config.bin %> generate --adapter pgan --checkpoint celebaCropped_s5_i83000-2b0acc76.pth --inputs z.npy --out images.npy',
    '<%= config.bin %> generate --checkpoint runs/mnist/generators/key-1/latest.ckpt --inputs z.npy --out images.npy',
  ];

  static override flags = {
    adapter: Flags.string({ summary: 'Adapter of the generator (required for reference checkpoints).' }),
    checkpoint: Flags.string({ summary: 'attrib checkpoint (.ckpt) or reference checkpoint (.pth).' }),
    inputs: Flags.string({ summary: 'Inputs, .npy float array in the reference layout.' }),
    out: Flags.string({ summary: '.npy file to write the images to (NCHW, float32).' }),
    option: Flags.string({ summary: "An option of the adapter's reference reader, key=value (repeatable).", multiple: true }),
    'batch-size': Flags.integer({ summary: 'Inputs per forward pass (memory only; results do not change). Default 16.' }),
  };

  async run(): Promise<GenerateResult> {
    const settings = this.settings(
      { adapter: '', checkpoint: '', inputs: '', out: '', options: {} as Record<string, unknown>, batchSize: 16 },
      {
        adapter: this.flags.adapter,
        checkpoint: this.flags.checkpoint,
        inputs: this.flags.inputs,
        out: this.flags.out,
        options: this.flags.option ? parseParams(this.flags.option, '--option') : undefined,
        batchSize: this.flags['batch-size'],
      },
      'generate',
    );
    for (const flag of ['checkpoint', 'inputs', 'out'] as const) {
      if (settings[flag] === '') throw new Error(`--${flag} is required`);
    }
    if (!Number.isInteger(settings.batchSize) || settings.batchSize <= 0) {
      throw new Error(`--batch-size must be a positive integer, got ${JSON.stringify(settings.batchSize)}`);
    }
    const checkpoint = resolve(settings.checkpoint);
    const inputsFile = resolve(settings.inputs);
    const out = resolve(settings.out);

    const inputs = await readNpy(inputsFile);
    if (inputs.dtype !== 'float32') throw new Error(`${inputsFile}: holds integers; expected a float array`);
    if (inputs.shape.length === 0 || inputs.shape[0] === 0) throw new Error(`${inputsFile}: shape [${inputs.shape.join(', ')}] holds no inputs`);
    const host = await this.plugins();
    await this.backend();
    const { generator, format } = await openGenerator(checkpoint, settings.adapter, settings.options, host);
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
}
