import { calibrateRun, type CalibrateRunResult, type GeneratorVariant } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';
import { runArg } from '../run/run-arg.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { formatTable } from '../table.js';
import { formatMeasured, formatRate } from '../trust/format.js';
import { scoreFlags, scoreRequest, withProgress } from '../trust/score-flags.js';
import { parseDataFlag } from '../trust/source-flag.js';

export default class Calibrate extends AttribCommand<typeof Calibrate> {
  static override summary = 'Per key, a threshold for a target false-attribution rate, and the rates measured at it with exact 95% bounds.';

  static override description = `Scores, under every key, images no key or generator was trained on: the held-out real images
(the run's data source with split test when the run trained on split train, or --heldout), the root's
samples, every keyed generator's samples and, with --ood, out-of-distribution authentic images. Each
image goes through the 8-bit PNG round trip, and the post-process at evaluation strength when given.
Per key, the threshold for the target rate (--fpr) is accepted only where the exact (Clopper-Pearson)
95% upper bound of the authentic (held-out and root) scores' rate below it is at most the target
(basis measured: the highest such order statistic). Below about 3.7/n no count of n images can show
the target; the bar is then the stricter of the quantile of a Gaussian fitted to their lower tail
(basis extrapolated) and the lowest authentic score (basis lowest-authentic), and never above 0 (the
sign rule). At it: the false-attribution rates (held-out, root, out-of-distribution) and the
detection rate (TPR), as counts with exact 95% intervals, and the fitted tail's rate (an
extrapolation). Written atomically to RUN/calibration.json, which identify --fpr and the report read.`;

  static override examples = [
    '<%= config.bin %> calibrate runs/demo',
    '<%= config.bin %> calibrate runs/demo --fpr 1e-2 --ood idx:/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz',
    '<%= config.bin %> calibrate runs/demo --postprocess jpeg --out runs/demo/calibration-jpeg.json --json',
  ];

  static override args = { run: runArg };

  static override flags = {
    fpr: Flags.string({ summary: 'Target false-attribution rate per key. Default: 1e-3.' }),
    postprocess: Flags.string({ summary: 'Post-process applied at evaluation strength to every image scored.' }),
    param: Flags.string({ summary: 'A parameter of the post-process, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
    generators: Flags.string({ summary: 'auto, plain or robust: which keyed generators to sample. Default: auto.', options: ['auto', 'plain', 'robust'] }),
    ood: Flags.string({ summary: 'Out-of-distribution authentic images: SOURCE[:PATH][@SPLIT], e.g. idx:t10k-images-idx3-ubyte.gz.' }),
    ...scoreFlags,
    out: Flags.string({ summary: 'File to write. Default: RUN/calibration.json.' }),
  };

  async run(): Promise<CalibrateRunResult> {
    const f = this.flags;
    const fpr = f.fpr === undefined ? undefined : parseNumberFlag('fpr', f.fpr, false);
    const request = {
      dir: this.configPath(this.args.run),
      fpr,
      postProcess: f.postprocess ? { name: f.postprocess, params: f.param ? parseParams(f.param) : {} } : undefined,
      generators: f.generators as GeneratorVariant | undefined,
      ood: f.ood ? parseDataFlag('ood', f.ood) : undefined,
      ...scoreRequest(f),
      out: f.out,
    };
    await this.backend();
    const plugins = await this.plugins();
    const result = await withProgress((label, total) => this.progress(label, total), 'calibrate', (onProgress) => calibrateRun(plugins, { ...request, onProgress }));
    this.out(summary(result));
    return result;
  }
}

/** The printed calibration: one row per key, then the sets and where the file is. */
function summary({ file, calibration: c }: CalibrateRunResult): string {
  const rows = c.keys.map((k) => [
    k.key,
    `${k.threshold.value.toFixed(3)} (${k.threshold.basis})`,
    formatMeasured(k.falseAttribution.heldOut),
    formatMeasured(k.falseAttribution.root),
    formatMeasured(k.falseAttribution.ood),
    formatRate(k.falseAttribution.extrapolated),
    formatMeasured(k.detection),
    formatMeasured(k.otherGenerators),
  ]);
  const pp = c.postProcess ? ` under ${c.postProcess.name}` : '';
  return [
    `calibration for a false-attribution rate of ${c.fpr} per key${pp} (${c.generators} generators); counts with exact 95% intervals`,
    formatTable(['key', 'threshold', 'fpr held-out', 'fpr root', 'fpr ood', 'fpr fitted (extrapolated)', 'tpr', 'claims of other generators'], rows),
    basisNote(c),
    `held-out: ${c.sets.heldOut.description} (${c.sets.heldOut.n}); root samples: ${c.sets.root.n}; per generator: ${c.sets.generated.n}${c.sets.ood ? `; ood: ${c.sets.ood.description} (${c.sets.ood.n})` : ''}`,
    `written to ${file}`,
  ].join('\n');
}

/** What the thresholds' bases mean for this calibration's sample size. */
function basisNote(c: CalibrateRunResult['calibration']): string {
  const k = c.keys[0];
  if (!k) return '';
  const n = k.authentic.length;
  return k.threshold.measurable
    ? `thresholds: ${n} authentic scores per key can show ${c.fpr} (measured: the exact 95% upper bound of the authentic rate below the bar is at most ${c.fpr})`
    : `thresholds: ${n} authentic scores per key cannot show ${c.fpr} (0 of ${n} bounds the rate by ${formatRate(k.threshold.atThreshold.upper)}); `
      + 'each bar is the stricter of the fitted tail (extrapolated) and the lowest authentic score (lowest-authentic)';
}
