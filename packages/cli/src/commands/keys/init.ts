import { initRun, type InitRunResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { runArg } from '../../run/run-arg.js';
import { parseSourceSpec, profileFlag, profileStageOptions, stageFlags, stageOptions } from '../../run/stage-flags.js';
import { trainingHooks } from '../../run/training-progress.js';

function withSplit<T extends { source: string }>(spec: T, split: string | undefined): T & { split?: string } {
  return split === undefined ? spec : { ...spec, split };
}

export default class KeysInit extends AttribCommand<typeof KeysInit> {
  static override summary = 'Create a run folder and train its first key and keyed generator.';

  static override description = `Stage "first" of the method: the first key phi_1 and generator G_1 (a copy of the root) are
trained jointly, a key step and a generator step per batch, with the release's DCGAN-MNIST
defaults, or the settings the adapter names with --profile (paper: the reference release's).
Everything is checked before the folder is created. A checkpoint is written after every epoch;
--resume finishes an interrupted first stage with the options it started with.`;

  static override examples = [
    '<%= config.bin %> keys init runs/mnist --adapter dcgan --root root/generator.ckpt --data mnist --seed 1',
    '<%= config.bin %> keys init runs/cityscapes --adapter cyclegan --root latest_net_G_A.pth --inputs unaligned:datasets/cityscapes --data unaligned:datasets/cityscapes --data-split B',
    '<%= config.bin %> keys init runs/cityscapes --adapter cyclegan --profile paper --root latest_net_G_A.pth --inputs unaligned:datasets/cityscapes --data unaligned:datasets/cityscapes --data-split B',
    '<%= config.bin %> keys init runs/mnist --resume',
  ];

  static override args = { run: runArg };

  static override flags = {
    adapter: Flags.string({ summary: 'Adapter of the root generator. Default: dcgan.' }),
    root: Flags.string({ summary: "The root G0: an attrib checkpoint, a reference file (.pth), or pretrained[:NAME]." }),
    data: Flags.string({ summary: 'Real images: SOURCE or SOURCE:PATH (mnist, idx:FILE, folder:DIR). Default: mnist.' }),
    inputs: Flags.string({ summary: 'Image-to-image generators: source-domain images, SOURCE[:PATH].' }),
    'data-split': Flags.string({ summary: 'Split of the --data source, where it has several (unaligned: B for trainB).' }),
    'inputs-split': Flags.string({ summary: 'Split of the --inputs source, where it has several (unaligned: A for trainA).' }),
    seed: Flags.integer({ summary: 'Seed of every random draw of the run. Default: 0.' }),
    resume: Flags.boolean({ summary: 'Finish the first stage of an existing run.' }),
    profile: profileFlag,
    ...stageFlags('first'),
  };

  async run(): Promise<InitRunResult> {
    const s = this.settings(
      {
        adapter: 'dcgan', root: '', data: 'mnist', inputs: undefined as string | undefined,
        dataSplit: undefined as string | undefined, inputsSplit: undefined as string | undefined, seed: 0, resume: false,
        profile: undefined as string | undefined,
      },
      {
        adapter: this.flags.adapter, root: this.flags.root, data: this.flags.data, inputs: this.flags.inputs,
        dataSplit: this.flags['data-split'], inputsSplit: this.flags['inputs-split'], seed: this.flags.seed, resume: this.flags.resume || undefined,
        profile: this.flags.profile,
      },
      'first',
    );
    const profile = s.profile === undefined ? {} : profileStageOptions((await this.plugins()).adapter(s.adapter), s.profile, 'first');
    const options = stageOptions('first', this.flags, (d, g, section) => this.settings(d, g, section), profile);
    if (s.inputsSplit !== undefined && s.inputs === undefined) throw new Error('--inputs-split needs --inputs');
    const dir = this.configPath(this.args.run);
    if (!s.resume && s.root === '') throw new Error('--root is required (the root generator: an attrib checkpoint, a .pth file, or pretrained[:NAME])');
    const resolvePath = (path: string) => this.configPath(path);
    await this.backend();
    const result = await initRun(await this.plugins(), {
      dir, adapter: s.adapter, root: s.root.startsWith('pretrained:') ? s.root : s.root && resolvePath(s.root),
      data: withSplit(parseSourceSpec('data', s.data, resolvePath), s.dataSplit),
      inputs: s.inputs ? withSplit(parseSourceSpec('inputs', s.inputs, resolvePath), s.inputsSplit) : undefined,
      seed: s.seed, options, resume: s.resume,
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(result.alreadyDone ? `${dir}: the first key and generator were already trained` : `${dir}: key-1 and its generator trained`);
    await this.runFinished('first', dir, result);
    return result;
  }
}
