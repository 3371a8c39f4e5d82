import { nothingToResume, RunFolder, trainGenerators, type TrainGeneratorsResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { runArg } from '../../run/run-arg.js';
import { profileFlag, runProfileStageOptions, stageFlags, stageOptions } from '../../run/stage-flags.js';
import { trainingHooks } from '../../run/training-progress.js';
import { workersFlag } from '../../run/workers-flag.js';
import { trainingDispatcher, trainingQueueFlag } from '../../run/queue-flag.js';

export default class GeneratorsTrain extends AttribCommand<typeof GeneratorsTrain> {
  static override summary = 'Train a keyed generator for every key that has none.';

  static override description = `Stage "generators": each keyed generator starts as a copy of the root. --objective hinge (the
release): h(1 + phi.G(z)) + alpha MSE(G(z), G0(z)); --objective shift (the paper's Eq. 10):
regression onto G0(z) - gamma phi/||phi||, gamma from d_max, grown by 1.1 until 0.99-distinguishable,
usually far fewer steps. Each generator is written as soon as it is finished; --resume finishes an
interrupted job. Generators are trained in --workers threads side by side, each with its own
backend, with the same results as one after another; with --queue they go to a job queue instead and
\`attrib worker\` processes on any machine that mounts the run folder at the same path train them.`;

  static override examples = [
    '<%= config.bin %> generators train runs/mnist',
    '<%= config.bin %> generators train runs/mnist --objective shift --epochs 3 --steps-per-epoch 200',
  ];

  static override args = { run: runArg };

  static override flags = {
    keys: Flags.string({ summary: 'Comma-separated keys to train generators for. Default: every key without one.' }),
    resume: Flags.boolean({ summary: 'Finish the unfinished generators job of the run.' }),
    workers: workersFlag('generators'),
    queue: trainingQueueFlag,
    profile: profileFlag,
    ...stageFlags('generators'),
  };

  async run(): Promise<TrainGeneratorsResult> {
    const s = this.settings(
      { keys: undefined as string | undefined, resume: false, workers: undefined as number | undefined },
      { keys: this.flags.keys, resume: this.flags.resume || undefined, workers: this.flags.workers },
      'generators',
    );
    const dir = this.configPath(this.args.run);
    // --resume finishes a pending job; with none it says so and trains nothing.
    if (s.resume && nothingToResume(await RunFolder.open(dir), 'generators', true, (line) => this.info(line))) {
      this.out('no generator trained');
      return { dir, trained: [], reports: {} };
    }
    const profileName = this.settings({ profile: undefined as string | undefined }, { profile: this.flags.profile }, 'generators').profile;
    const profile = await runProfileStageOptions(await this.plugins(), dir, profileName, 'generators');
    const options = stageOptions('generators', this.flags, (d, g, section) => this.settings(d, g, section), profile);
    await this.backend();
    const result = await trainGenerators(await this.plugins(), {
      dir, options, resume: s.resume,
      ...(s.workers !== undefined ? { workers: s.workers } : {}),
      ...trainingDispatcher(this.flags.queue, (t) => this.info(t)),
      ...(s.keys ? { keys: s.keys.split(',').map((k) => k.trim()).filter(Boolean) } : {}),
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(result.trained.length ? `trained generators of ${result.trained.join(', ')}` : 'no generator trained');
    await this.runFinished('generators', dir, result);
    return result;
  }
}
