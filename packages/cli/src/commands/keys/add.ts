import { addKeys, type AddKeysResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { runArg } from '../../run/run-arg.js';
import { parseNumberFlag, profileFlag, runProfileStageOptions, stageFlags, stageOptions } from '../../run/stage-flags.js';
import { trainingHooks } from '../../run/training-progress.js';

export default class KeysAdd extends AttribCommand<typeof KeysAdd> {
  static override summary = 'Train more keys, each against the frozen root and every earlier key.';

  static override description = `Stage "keys": each new key is trained alone against the root's output and the real data, kept at
90 degrees from the earlier keys (sum |phi_j . phi|) or, with --angle cosine, at a target cosine
(20 |c - cos|, c = --cosine-target). Keys are written as soon as each is finished; --resume
finishes an interrupted job.`;

  static override examples = [
    '<%= config.bin %> keys add runs/mnist --count 4',
    '<%= config.bin %> keys add runs/mnist --count 2 --angle cosine --cosine-target 0.7',
  ];

  static override args = { run: runArg };

  static override flags = {
    count: Flags.string({ summary: 'Number of keys to add (a positive integer).' }),
    resume: Flags.boolean({ summary: 'Finish the unfinished keys job of the run.' }),
    profile: profileFlag,
    ...stageFlags('keys'),
  };

  async run(): Promise<AddKeysResult> {
    const s = this.settings(
      { count: undefined as number | undefined, resume: false },
      { count: this.flags.count === undefined ? undefined : countOf(this.flags.count), resume: this.flags.resume || undefined },
      'keys',
    );
    if (s.count !== undefined && (!Number.isInteger(s.count) || s.count <= 0)) throw new Error(`--count ${s.count}: expected a positive integer`);
    if (s.count === undefined && !s.resume) throw new Error('--count is required (the number of keys to add)');
    const dir = this.configPath(this.args.run);
    const profileName = this.settings({ profile: undefined as string | undefined }, { profile: this.flags.profile }, 'keys').profile;
    const profile = await runProfileStageOptions(await this.plugins(), dir, profileName, 'keys');
    const options = stageOptions('keys', this.flags, (d, g, section) => this.settings(d, g, section), profile);
    await this.backend();
    const result = await addKeys(await this.plugins(), { dir, count: s.count, options, resume: s.resume },
      trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(result.added.length ? `added ${result.added.join(', ')} (keys: ${result.keys.join(', ')})` : 'no key added');
    await this.runFinished('keys', dir, result);
    return result;
  }
}

function countOf(text: string): number {
  const value = parseNumberFlag('count', text, false);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--count ${text}: expected a positive integer`);
  return value;
}
