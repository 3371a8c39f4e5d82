import { nothingToResume, RunFolder, trainRobust, type TrainRobustResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { parseParams } from '../../params.js';
import { runArg } from '../../run/run-arg.js';
import { profileFlag, runProfileStageOptions, stageFlags, stageOptions } from '../../run/stage-flags.js';
import { trainingHooks } from '../../run/training-progress.js';
import { workersFlag } from '../../run/workers-flag.js';
import { trainingDispatcher, trainingQueueFlag } from '../../run/queue-flag.js';

export default class RobustTrain extends AttribCommand<typeof RobustTrain> {
  static override summary = 'Fine-tune the keyed generators against post-processes.';

  static override description = `Stage "robust": each keyed generator is fine-tuned with the post-process applied, with probability
0.5 per step and a random strength, to both its output and the root's before both loss terms.
The post-process must be differentiable. Writes generators/<key>/robust-<name>.ckpt per
post-process; --resume finishes an interrupted job. Generators are fine-tuned in --workers threads
side by side, one (post-process, key) pair each, with the same results as one after another; with
--queue they go to a job queue instead, for \`attrib worker\` processes on other machines.`;

  static override examples = [
    '<%= config.bin %> robust train runs/mnist --postprocess blur',
    '<%= config.bin %> robust train runs/mnist --postprocess blur,crop,noise --epochs 2',
  ];

  static override args = { run: runArg };

  static override flags = {
    postprocess: Flags.string({ summary: 'Post-process name(s), comma-separated (see `attrib components`).' }),
    param: Flags.string({ summary: 'A parameter of the post-process, key=value (repeatable; one post-process only).', multiple: true, multipleNonGreedy: true }),
    label: Flags.string({ summary: 'Keep the robust generators as robust-<label> (one post-process only): a variant with other --param values beside the first. Default: the name.' }),
    keys: Flags.string({ summary: 'Comma-separated keys whose generators to fine-tune. Default: all.' }),
    resume: Flags.boolean({ summary: 'Finish the unfinished robust job of the run.' }),
    workers: workersFlag('robust generators'),
    queue: trainingQueueFlag,
    profile: profileFlag,
    ...stageFlags('robust'),
  };

  async run(): Promise<TrainRobustResult> {
    const s = this.settings(
      { postprocess: '', params: {} as Record<string, unknown>, label: undefined as string | undefined, keys: undefined as string | undefined, resume: false,
        workers: undefined as number | undefined },
      {
        postprocess: this.flags.postprocess, params: this.flags.param ? parseParams(this.flags.param) : undefined, label: this.flags.label,
        keys: this.flags.keys, resume: this.flags.resume || undefined, workers: this.flags.workers,
      },
      'robust',
    );
    const names = s.postprocess.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length === 0 && !s.resume) throw new Error('--postprocess is required (one or more post-process names, comma-separated)');
    if (names.length > 1 && Object.keys(s.params).length > 0) throw new Error('--param applies to one post-process; give a single --postprocess with it');
    if (names.length > 1 && s.label !== undefined) throw new Error('--label applies to one post-process; give a single --postprocess with it');
    const dir = this.configPath(this.args.run);
    // --resume alone finishes a pending job; with none it says so and trains nothing.
    if (s.resume && names.length === 0 && nothingToResume(await RunFolder.open(dir), 'robust', true, (line) => this.info(line))) {
      return { dir, trained: [] };
    }
    const profileName = this.settings({ profile: undefined as string | undefined }, { profile: this.flags.profile }, 'robust').profile;
    const profile = await runProfileStageOptions(await this.plugins(), dir, profileName, 'robust');
    const options = stageOptions('robust', this.flags, (d, g, section) => this.settings(d, g, section), profile);
    await this.backend();
    const result = await trainRobust(await this.plugins(), {
      dir, options, resume: s.resume,
      ...(s.workers !== undefined ? { workers: s.workers } : {}),
      ...trainingDispatcher(this.flags.queue, (t) => this.info(t)),
      postProcesses: names.map((name) => ({ name, params: s.params, ...(s.label !== undefined ? { label: s.label } : {}) })),
      ...(s.keys ? { keys: s.keys.split(',').map((k) => k.trim()).filter(Boolean) } : {}),
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(result.trained.length ? `robust generators: ${result.trained.join(', ')}` : 'no generator fine-tuned');
    await this.runFinished('robust', dir, result);
    return result;
  }
}
