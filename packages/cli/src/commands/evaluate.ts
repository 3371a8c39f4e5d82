import { evaluateRun, type EvaluateRunResult, type GeneratorVariant } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';
import { runArg } from '../run/run-arg.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { formatTable } from '../table.js';
import { workersFlag } from '../run/workers-flag.js';
import { trainingHooks } from '../run/training-progress.js';
import { taskDispatcher, taskQueueFlag } from '../run/queue-flag.js';

export default class Evaluate extends AttribCommand<typeof Evaluate> {
  static override summary = "Measure a run's keyed generators: distinguishability, attributability, quality.";

  static override description = `Computes the metrics over every key that has a generator and records them in RUN/metrics.json.
Defaults are the release's: 1,000 real and 1,000 generated images for distinguishability, 1,000
samples per generator through an 8-bit PNG round trip for attributability, 10,000 shared inputs
for the L2 quality. With --postprocess the images are post-processed at evaluation strength (the
robust metrics), measuring the generators robust-trained against it when every key has one. The
metrics are computed side by side in --workers threads (the L2 quality, PSNR and SSIM over many
inputs split into parts), with the same results. With --queue the metrics and their parts go to a job queue
instead, computed by \`attrib worker\` processes on machines that mount the run at the same path.`;

  static override examples = [
    '<%= config.bin %> evaluate runs/mnist',
    '<%= config.bin %> evaluate runs/mnist --postprocess blur',
    '<%= config.bin %> evaluate runs/mnist --metrics distinguishability,attributability --samples 500',
  ];

  static override args = { run: runArg };

  static override flags = {
    postprocess: Flags.string({ summary: 'Post-process applied at evaluation strength (robust metrics).' }),
    param: Flags.string({ summary: 'A parameter of the post-process, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
    metrics: Flags.string({ summary: 'Comma-separated metric names. Default: distinguishability, attributability, attribution-matrix, quality, psnr, ssim, and floor (under --postprocess: the floor under T, when T has a linear part).' }),
    label: Flags.string({ summary: 'Measure the generators robust-trained under this label (robust train --label). Default: the post-process name.' }),
    generators: Flags.string({ summary: 'auto, plain or robust: which keyed generators to measure. Default: auto.', options: ['auto', 'plain', 'robust'] }),
    samples: Flags.string({ summary: "Overrides every metric's sample count." }),
    'batch-size': Flags.string({ summary: 'Generation batch size (speed/memory only). Default: 100.' }),
    workers: workersFlag('metrics', 'computing'),
    queue: taskQueueFlag,
  };

  async run(): Promise<EvaluateRunResult> {
    const s = this.settings(
      {
        postprocess: undefined as string | undefined, params: {} as Record<string, unknown>, metrics: undefined as string | undefined,
        generators: 'auto', samples: undefined as number | undefined, batchSize: undefined as number | undefined, label: undefined as string | undefined,
        workers: undefined as number | undefined,
      },
      {
        postprocess: this.flags.postprocess, params: this.flags.param ? parseParams(this.flags.param) : undefined, metrics: this.flags.metrics,
        generators: this.flags.generators, label: this.flags.label, workers: this.flags.workers,
        samples: this.flags.samples === undefined ? undefined : parseNumberFlag('samples', this.flags.samples, true),
        batchSize: this.flags['batch-size'] === undefined ? undefined : parseNumberFlag('batch-size', this.flags['batch-size'], true),
      },
      'evaluate',
    );
    // Parameters of no post-process would be ignored: say so instead of measuring without them.
    if (Object.keys(s.params).length > 0 && !s.postprocess) {
      throw new Error('--param needs --postprocess (the post-process whose parameters they are); without one nothing is post-processed');
    }
    if (!['auto', 'plain', 'robust'].includes(s.generators)) throw new Error(`--generators ${JSON.stringify(s.generators)}: expected auto, plain or robust`);
    await this.backend();
    const result = await evaluateRun(await this.plugins(), {
      dir: this.configPath(this.args.run),
      postProcess: s.postprocess ? { name: s.postprocess, params: s.params } : undefined,
      metrics: s.metrics?.split(',').map((m) => m.trim()).filter(Boolean),
      generators: s.generators as GeneratorVariant, samples: s.samples, batchSize: s.batchSize, robustLabel: s.label, workers: s.workers,
      ...taskDispatcher(this.flags.queue, (t) => this.info(t)),
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    const rows = Object.entries(result.record.results).flatMap(([metric, r]) =>
      Object.entries(r.summary).map(([name, value]) => [metric, name, value.toFixed(4)]));
    this.out(`${result.label} (${result.record.generators} generators of ${result.record.keys.join(', ')}):\n${formatTable(['metric', 'value', ''], rows)}`);
    await this.runFinished('evaluate', this.configPath(this.args.run), result);
    return result;
  }
}
