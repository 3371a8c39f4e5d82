import { importKeys, type ImportKeysResult } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AttribCommand } from '../../base-command.js';
import { runArg } from '../../run/run-arg.js';

export default class KeysImport extends AttribCommand<typeof KeysImport> {
  static override summary = "Add keys made by the reference release (key_N.pth) to a run.";

  static override description = `Each file holds one key vector saved by the reference's torch.save, flattened in CHW order;
it must have as many entries as the run's images and is converted to attrib's HWC order. All files
are checked before anything is written. The keys get the next key-N ids (or --id for one file);
\`generators train\`, \`evaluate\` and \`identify --run\` then take them like trained keys.`;

  static override examples = [
    '<%= config.bin %> keys import runs/celeba key_1.pth key_2.pth',
    '<%= config.bin %> keys import runs/celeba reference/key_3.pth --id ref-3',
  ];

  static override strict = false;

  static override args = {
    run: runArg,
    file: Args.string({ description: 'Reference key file(s), key_N.pth.', required: true }),
  };

  static override flags = {
    id: Flags.string({ summary: 'Id of the imported key (one file only). Default: the next key-N of the run.' }),
  };

  async run(): Promise<ImportKeysResult> {
    const files = [this.args.file, ...this.restArgv].map((file) => resolve(file));
    if (this.flags.id !== undefined && files.length !== 1) throw new Error(`--id ${this.flags.id}: names one key; ${files.length} key files given`);
    await this.backend();
    const result = await importKeys({ dir: this.configPath(this.args.run), files, ...(this.flags.id !== undefined ? { id: this.flags.id } : {}) },
      { log: (line) => this.info(line) });
    this.out(`imported ${result.imported.map(({ id, file }) => `${id} (${file})`).join(', ')} (keys: ${result.keys.join(', ')})`);
    await this.runFinished('keys', this.configPath(this.args.run), result);
    return result;
  }
}
