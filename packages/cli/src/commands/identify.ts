import {
  calibrationPath, evidenceModel, identifyFiles, listImageFiles, loadRunKeys, openRegistryKeys, readCalibration,
  type EvidenceModel, type FileVerdict, type LabelledKeys,
} from '@attrib/core';
import { existsSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AttribCommand } from '../base-command.js';
import { parseParams } from '../params.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { formatTable } from '../table.js';
import { formatMeasured, formatRate } from '../trust/format.js';

export interface IdentifyResult {
  /** Where the keys came from. */
  keys: { source: string; ids: string[] };
  postprocess: { name: string; params: Record<string, unknown> } | null;
  /** The calibration the evidence came from, and the rate its bars were set for. */
  calibration: { file: string; fpr: number | null } | null;
  images: FileVerdict[];
}

export default class Identify extends AttribCommand<typeof Identify> {
  static override summary = 'Say which keyed model made each image, or that it looks authentic, or that it is ambiguous or (with --fpr) inconclusive, with the evidence.';

  static override description = `Each image (PNG or JPEG; folders are searched for both) is brought to the keys' image shape:
scaled with a linear kernel so that it covers the shape (the shorter side matches), the centre cropped,
alpha dropped, grey shapes taking the luminance; bytes b become b / 127.5 - 1. Every key scores it
(phi . x); a key claims the image when its score is below 0. Exactly one claim: that key's generator
made it; none: authentic (real data or the root); more than one: ambiguous.
--postprocess NAME applies that post-process at evaluation strength first, for images assumed to have
undergone it.
With a calibration (RUN/calibration.json from \`attrib calibrate\`, or --calibration FILE) every key's
score comes with the probability that an authentic image scores that low under that key: the measured
share of the calibration's authentic images (held-out and root samples) with its exact 95% interval, and
the figure of a Gaussian fitted to their lower tail (an extrapolation, the only figure below about 1/n).
The claimant is the key furthest below its bar; its margin is bar - score. --fpr RATE sets each key's
bar to its calibrated threshold for that false-attribution rate: a claim by the sign rule that does not
clear the bar makes the verdict inconclusive.`;

  static override examples = [
    '<%= config.bin %> identify --run runs/mnist image.png',
    '<%= config.bin %> identify --run runs/mnist --json downloads/',
    '<%= config.bin %> identify --registry vendor/ --postprocess jpeg suspicious.jpg',
    '<%= config.bin %> identify --run runs/demo --fpr 1e-3 downloads/',
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
    calibration: Flags.string({ summary: 'Calibration file (attrib calibrate). Default: RUN/calibration.json when it exists.' }),
    fpr: Flags.string({ summary: "Target false-attribution rate: claims must be below each key's calibrated threshold for it." }),
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
    const fpr = this.flags.fpr === undefined ? undefined : parseNumberFlag('fpr', this.flags.fpr, false);
    const { keys, source, label } = await this.openKeys(settings.run, settings.registry);
    try {
      const calibrationFile = this.flags.calibration !== undefined ? resolve(this.flags.calibration)
        : settings.run !== '' && existsSync(calibrationPath(source)) ? calibrationPath(source) : undefined;
      if (fpr !== undefined && calibrationFile === undefined) {
        throw new Error(`--fpr needs a calibration: run \`attrib calibrate ${settings.run || 'RUN'}\` first or give --calibration FILE`);
      }
      const evidence: EvidenceModel | undefined = calibrationFile
        ? evidenceModel(await readCalibration(calibrationFile), keys.map((k) => k.id), calibrationFile, fpr)
        : undefined;
      const progress = this.progress('identify', images.length);
      let verdicts: FileVerdict[];
      try {
        verdicts = await identifyFiles(images, keys, {
          ...(postProcess ? { postProcess } : {}), ...(evidence ? { evidence } : {}), progress: (done) => progress.update(done),
        });
      } finally {
        progress.stop();
      }
      verdicts = verdicts.map((v) => label(v));
      this.out(verdictTable(verdicts, evidence !== undefined));
      return {
        keys: { source, ids: keys.map((k) => k.id) },
        postprocess: postProcess ? { name: postProcess.name, params: { ...postProcess.params } } : null,
        calibration: calibrationFile ? { file: calibrationFile, fpr: fpr ?? null } : null,
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

/** What a verdict says, in words. */
function verdictText(v: FileVerdict): string {
  switch (v.kind) {
    case 'keyed': return `made by ${v.key}`;
    case 'authentic': return 'authentic (no key claims it)';
    case 'ambiguous': return `ambiguous (claimed by ${v.claimedBy.join(', ')})`;
    case 'inconclusive': return `inconclusive (${v.claimant} scores below 0 but not below its bar at rate ${v.fpr})`;
  }
}

/**
 * One row per image: the verdict, the claimant and its margin, and (calibrated) how often an
 * authentic image scores as low under the claimant's key; then every key's score.
 */
function verdictTable(verdicts: readonly FileVerdict[], calibrated: boolean): string {
  const rows = verdicts.map((v) => {
    const claim = v.scores.find((s) => s.key === v.claimant);
    const scores = v.scores.map((s) => `${s.key} ${s.score.toFixed(3)}`).join(', ');
    const base = [v.file, verdictText(v), v.claimant ?? '-', v.margin === undefined ? '-' : v.margin.toFixed(3)];
    if (!calibrated) return [...base, scores];
    const p = claim?.authentic;
    return [...base, p ? formatMeasured(p.measured) : '-', p ? formatRate(p.extrapolated) : '-', scores];
  });
  const headers = calibrated
    ? ['image', 'verdict', 'claimant', 'margin', 'authentic this low (measured, 95%)', 'fitted (extrapolated)', 'scores']
    : ['image', 'verdict', 'claimant', 'margin', 'scores'];
  return formatTable(headers, rows);
}
