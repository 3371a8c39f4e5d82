import { initRegistry, type InitRegistryResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { registryArg } from '../../registry/registry-arg.js';
import { parseSourceSpec, stageFlags, stageOptions } from '../../run/stage-flags.js';
import { trainingHooks } from '../../run/training-progress.js';

export default class RegistryInit extends AttribCommand<typeof RegistryInit> {
  static override summary = "Create a key registry: a run folder of the vendor's root, ready for users.";

  static override description = `A registry wraps a run (in REGISTRY/run) made as \`attrib keys init\` makes one: the root, the
real data, and a first key and generator that belong to no user. It records the options every
user's key and keyed generator will be trained with: the config file's "keys" and "generators"
sections over the release's defaults (the flags below set the first stage). Users are added with
\`attrib registry add\`.`;

  static override examples = [
    '<%= config.bin %> registry init vendor/ --adapter dcgan --root pretrained: --data mnist',
    '<%= config.bin %> registry init vendor/ --root root.ckpt --data mnist --config training.yaml',
  ];

  static override args = { registry: registryArg };

  static override flags = {
    adapter: Flags.string({ summary: 'Adapter of the root generator. Default: dcgan.' }),
    root: Flags.string({ summary: 'The root G0: an attrib checkpoint, a reference file (.pth), or pretrained[:NAME].' }),
    data: Flags.string({ summary: 'Real images: SOURCE or SOURCE:PATH (mnist, idx:FILE, folder:DIR). Default: mnist.' }),
    inputs: Flags.string({ summary: 'Image-to-image generators: source-domain images, SOURCE[:PATH].' }),
    seed: Flags.integer({ summary: 'Seed of every random draw of the registry. Default: 0.' }),
    resume: Flags.boolean({ summary: 'Finish an interrupted `registry init`.' }),
    ...stageFlags('first'),
  };

  async run(): Promise<InitRegistryResult> {
    const s = this.settings(
      { adapter: 'dcgan', root: '', data: 'mnist', inputs: undefined as string | undefined, seed: 0, resume: false },
      { adapter: this.flags.adapter, root: this.flags.root, data: this.flags.data, inputs: this.flags.inputs, seed: this.flags.seed, resume: this.flags.resume || undefined },
      'first',
    );
    const settings = <T extends Record<string, unknown>>(d: T, g: Partial<Record<keyof T, unknown>>, section: string) => this.settings(d, g, section);
    const options = {
      first: stageOptions('first', this.flags, settings),
      keys: stageOptions('keys', {}, settings),
      generators: stageOptions('generators', {}, settings),
    };
    if (!s.resume && s.root === '') throw new Error('--root is required (the root generator: an attrib checkpoint, a .pth file, or pretrained[:NAME])');
    const resolvePath = (path: string) => this.configPath(path);
    const dir = this.configPath(this.args.registry);
    await this.backend();
    const result = await initRegistry(await this.plugins(), {
      dir, adapter: s.adapter, root: s.root.startsWith('pretrained:') ? s.root : s.root && resolvePath(s.root),
      data: parseSourceSpec('data', s.data, resolvePath), inputs: s.inputs ? parseSourceSpec('inputs', s.inputs, resolvePath) : undefined,
      seed: s.seed, options, resume: s.resume,
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(`${dir}: registry ready (run ${result.run}); add users with \`attrib registry add ${dir} --user ID\``);
    return result;
  }
}
