import { identifyFiles, listImageFiles, loadRunKeys, openRegistryKeys, type FileVerdict, type LabelledKeys } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';

export interface IdentifyResult {
  /** Where the keys came from. */
  keys: { source: string; ids: string[] };
  postprocess: { name: string; params: Record<string, unknown> } | null;
  images: FileVerdict[];
}

export default class Identify extends AttribCommand<typeof Identify> {
  static override summary = 'Say which keyed model made each image, or that it looks authentic, or that it is ambiguous.';

  static override description = `Each image (PNG or JPEG; folders are searched for both) is brought to the keys' image shape:
scaled with a linear kernel so that it covers the shape (the shorter side matches), the centre cropped,
alpha dropped, grey shapes taking the luminance; bytes b become b / 127.5 - 1. Every key scores it
(phi . x); a key claims the image when its score is below 0. Exactly one claim: that key's generator
made it; none: authentic (real data or the root); more than one: ambiguous.
--postprocess NAME applies that post-process at evaluation strength first, for images assumed to have
undergone it.`;

  static override examples = [
    '<%= config.bin %> identify --run runs/mnist image.png',
    '<%= config.bin %> identify --run runs/mnist --json downloads/',
    '<%= config.bin %> identify --registry vendor/ --postprocess jpeg suspicious.jpg',
  ];

  static override strict = false;

  static override args = {
    image: Args.string({ description: 'PNG or JPEG file(s), or folders of them.', required: true }),
  };

  static override flags = {
    run: Flags.string({ summary: 'Run folder whose keys to use.' }),
    registry: Flags.string({ summary: 'Key registry folder whose keys to use (verdicts name the user).' }),
    postprocess: Flags.string({ summary: 'Post-process the images are assumed to have undergone (applied at evaluation strength).' }),
    param: Flags.string({ summary: 'A parameter of the post-process, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
  };

  async run(): Promise<IdentifyResult> {
    const settings = this.settings(
      { run: '', registry: '', postprocess: '', params: {} as Record<string, unknown> },
      { run: this.flags.run, registry: this.flags.registry, postprocess: this.flags.postprocess, params: this.flags.param ? parseParams(this.flags.param) : undefined },
      'identify',
    );
    if ((settings.run === '') === (settings.registry === '')) throw new Error('identify needs exactly one of --run DIR or --registry DIR (where the keys are)');
    const images = await listImageFiles([this.args.image, ...this.restArgv].map((p) => resolve(p)));
    await this.backend();
    const host = await this.plugins();
    const postProcess = settings.postprocess !== '' ? host.postProcess(settings.postprocess).create(settings.params) : undefined;
    const { keys, source, label } = await this.openKeys(settings.run, settings.registry);
    try {
      const progress = this.progress('identify', images.length);
      let verdicts: FileVerdict[];
      try {
        verdicts = await identifyFiles(images, keys, { ...(postProcess ? { postProcess } : {}), progress: (done) => progress.update(done) });
      } finally {
        progress.stop();
      }
      verdicts = verdicts.map((v) => label(v));
      for (const v of verdicts) {
        const scores = v.scores.map((s) => `${s.key} ${s.score.toFixed(3)}`).join(', ');
        const what = v.kind === 'keyed' ? `made by ${v.key}` : v.kind === 'authentic' ? 'authentic (no key claims it)' : `ambiguous (claimed by ${v.claimedBy.join(', ')})`;
        this.out(`${v.file}: ${what}; scores ${scores}`);
      }
      return {
        keys: { source, ids: keys.map((k) => k.id) },
        postprocess: postProcess ? { name: postProcess.name, params: { ...postProcess.params } } : null,
        images: verdicts,
      };
    } finally {
      keys.forEach((k) => k.dispose());
    }
  }

  /** Keys of a run (ids as they are) or of a registry (ids replaced by user ids). */
  private async openKeys(run: string, registry: string): Promise<LabelledKeys> {
    if (run !== '') {
      const dir = this.flags.run !== undefined ? resolve(run) : this.configPath(run);
      return { keys: await loadRunKeys(dir), source: dir, label: (v) => v };
    }
    return openRegistryKeys(this.flags.registry !== undefined ? resolve(registry) : this.configPath(registry));
  }
}
