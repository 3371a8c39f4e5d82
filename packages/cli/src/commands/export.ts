import { exportGenerator, loadGenerator, RunFolder, type ExportInfo, type Generator, type PluginHost } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';

export interface ExportCommandResult {
  readonly out: string;
  readonly files: { readonly model: string; readonly weights: string; readonly info: string };
  readonly info: ExportInfo;
}

/** The keyed generator of `key` in a run (its robust variant for `robust`), in a one-line error if there is none. */
async function runGenerator(dir: string, key: string, robust: string | undefined, host: PluginHost): Promise<Generator> {
  const run = await RunFolder.open(dir);
  const { generators, robust: robustKeys } = run.manifest;
  if (robust === undefined) {
    if (!generators.includes(key)) {
      throw new Error(`run ${dir} has no keyed generator for --key ${key}; keys with one: ${generators.length > 0 ? generators.join(', ') : 'none yet'}`);
    }
    return run.readGenerator(key, (name) => host.adapter(name));
  }
  const keys = robustKeys[robust] ?? [];
  if (!keys.includes(key)) {
    const labels = Object.keys(robustKeys);
    throw new Error(`run ${dir} has no generator of --key ${key} robust to ${robust}; robust generators: ${
      labels.length > 0 ? labels.map((l) => `${l} (${robustKeys[l]!.join(', ')})`).join(', ') : 'none yet'}`);
  }
  return run.readGenerator(key, (name) => host.adapter(name), `robust-${robust}`);
}

export default class Export extends AttribCommand<typeof Export> {
  static override summary = 'Write a keyed generator as a standalone TensorFlow.js model (model.json + weights.bin).';

  static override description = `The model runs without attrib: load OUT/model.json with @tensorflow/tfjs's (or tfjs-layers')
tf.loadLayersModel. It takes a batch of latents [N, size] drawn from N(0, I) and gives images NHWC in
[-1, 1]; OUT/attrib-model.json says so with the sizes. Batch norm is in eval form (running
statistics). The generator is a run's keyed generator (RUN --key KEY, --robust LABEL for the one
made robust to a post-process) or any generator checkpoint (--checkpoint FILE, e.g. a root model).
Only adapters that can export (dcgan) are accepted; the model is checked against the generator
before it is written.`;

  static override examples = [
    '<%= config.bin %> export runs/mnist --key key-2 --out models/key-2',
    '<%= config.bin %> export runs/mnist --key key-2 --robust blur --out models/key-2-blur',
    '<%= config.bin %> export --checkpoint runs/mnist/generators/key-1/generator.ckpt --out models/key-1',
  ];

  static override args = { run: Args.string({ name: 'run', description: 'The run folder (or give --checkpoint).' }) };

  static override flags = {
    key: Flags.string({ summary: 'Key whose generator to export (with RUN).' }),
    robust: Flags.string({ summary: 'Export the generator robust to this post-process label (with RUN and --key).' }),
    checkpoint: Flags.string({ summary: 'A generator checkpoint (.ckpt) to export instead of a run\'s.' }),
    out: Flags.string({ summary: 'Folder to write model.json, weights.bin and attrib-model.json to (must hold no model.json).' }),
  };

  async run(): Promise<ExportCommandResult> {
    const s = this.settings(
      { key: '', robust: undefined as string | undefined, checkpoint: '', out: '' },
      { key: this.flags.key, robust: this.flags.robust, checkpoint: this.flags.checkpoint, out: this.flags.out },
      'export',
    );
    const runDir = this.args.run;
    if (s.out === '') throw new Error('--out is required (the folder to write the model to)');
    if (s.checkpoint !== '' && runDir !== undefined) throw new Error('give either RUN --key KEY or --checkpoint FILE, not both');
    if (s.checkpoint === '' && runDir === undefined) throw new Error('give RUN --key KEY (a run\'s keyed generator) or --checkpoint FILE');
    if (runDir !== undefined && s.key === '') throw new Error('--key is required with RUN (which keyed generator to export)');
    if (s.checkpoint !== '' && (s.key !== '' || s.robust !== undefined)) throw new Error('--key and --robust select a run\'s generator; they do not go with --checkpoint');
    const host = await this.plugins();
    await this.backend();
    const out = this.configPath(s.out);
    const generator = runDir !== undefined
      ? await runGenerator(this.configPath(runDir), s.key, s.robust, host)
      : (await loadGenerator(this.configPath(s.checkpoint), (name) => host.adapter(name))).generator;
    try {
      const source = runDir !== undefined
        ? { run: this.configPath(runDir), key: s.key, ...(s.robust !== undefined ? { robust: s.robust } : {}) }
        : { checkpoint: this.configPath(s.checkpoint) };
      const { files, info } = await exportGenerator(host, generator, out, source);
      const { height, width, channels } = info.output.imageShape;
      const input = info.input.kind === 'latent' ? `latents [N, ${info.input.latentSize}] ~ N(0, I)` : `images [N, ${info.input.shape.slice(1).join(', ')}]`;
      this.out(`exported ${info.adapter} generator to ${files.model}: ${input} -> images [N, ${height}, ${width}, ${channels}] in [-1, 1]`);
      return { out, files, info };
    } finally {
      generator.dispose();
    }
  }
}
