import { formatShape, saveGenerator, type ImageShape } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';

export interface ImportResult {
  adapter: string;
  source: string;
  out: string;
  imageShape: ImageShape;
  config: Readonly<Record<string, unknown>>;
  options: Record<string, unknown>;
}

export default class Import extends AttribCommand<typeof Import> {
  static override summary = "Convert a reference release's checkpoint (a PyTorch .pth) into an attrib checkpoint.";

  static override description = `Reads FILE with the adapter's reference reader (no Python needed; nothing in the file is run) and
writes the generator as an attrib checkpoint (.ckpt), which every attrib command takes. Adapter-specific
choices go in --option, e.g. --option weights=avgG for the GAN zoo's averaged PGAN generator.`;

  static override examples = [
    '<%= config.bin %> import --adapter pgan celebaCropped_s5_i83000-2b0acc76.pth --out pgan-celeba.ckpt',
    '<%= config.bin %> import --adapter pgan celebaCropped_s5_i83000-2b0acc76.pth --option weights=avgG',
    '<%= config.bin %> import --adapter dcgan weight/generator.pth',
  ];

  static override args = {
    file: Args.string({ description: 'Checkpoint in the reference release\'s format.', required: true }),
  };

  static override flags = {
    adapter: Flags.string({ summary: 'Adapter whose reference format FILE is in (see `attrib components --kind adapter`).' }),
    out: Flags.string({ summary: 'attrib checkpoint to write. Default: FILE with the extension .ckpt.' }),
    option: Flags.string({ summary: "An option of the adapter's reader, key=value (repeatable).", multiple: true }),
  };

  async run(): Promise<ImportResult> {
    const settings = this.settings(
      { adapter: '', options: {} as Record<string, unknown> },
      { adapter: this.flags.adapter, options: this.flags.option ? parseParams(this.flags.option, '--option') : undefined },
      'import',
    );
    if (settings.adapter === '') throw new Error('--adapter is required (the adapter whose reference format FILE is in; see `attrib components`)');
    const source = resolve(this.args.file);
    const out = resolve(this.flags.out ?? join(dirname(source), `${basename(source, extname(source))}.ckpt`));
    if (out === source) throw new Error(`--out ${out}: would overwrite the file being imported`);

    const adapter = (await this.plugins()).adapter(settings.adapter);
    if (!adapter.importReference) throw new Error(`adapter ${adapter.name} has no reference checkpoint format to import`);
    await this.backend();
    const generator = await adapter.importReference(source, undefined, settings.options);
    try {
      await saveGenerator(out, generator, { importedFrom: source, importOptions: settings.options });
      this.out(`imported ${source} (${adapter.name}, ${formatShape(generator.imageShape)}) to ${out}`);
      return { adapter: adapter.name, source, out, imageShape: generator.imageShape, config: generator.config, options: settings.options };
    } finally {
      generator.dispose();
    }
  }
}
