import { loadRunKeys, runPipeline, type MetricResult, type RunPipelineResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { DEMO_OBJECTIVES, demoProfile, DEMO_PROFILES, demoStages } from '../demo/profiles.js';
import { keyCosines, maxAbsOffDiagonal } from '../demo/key-angles.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { trainingHooks } from '../run/training-progress.js';
import { formatTable } from '../table.js';

/** The paper's table 1 for DCGAN on MNIST, and what the demo must reach. */
const TARGETS = { distinguishability: 0.99, attributability: 0.99, maxAbsCos: 0.05 } as const;

export interface DemoResult extends RunPipelineResult {
  readonly profile: string;
  readonly objective: string;
  readonly seconds: number;
  readonly cosines: number[][];
  readonly targets: Record<keyof typeof TARGETS, { value: number; target: number; met: boolean }>;
}

export default class Demo extends AttribCommand<typeof Demo> {
  static override summary = 'The main job: key the shipped MNIST DCGAN for N users and show that every image is attributable.';

  static override description = `Trains, over one run folder (default runs/demo), the method end to end on the embedded
defaults: the root is the 32x32 MNIST DCGAN shipped with adapter-dcgan, the real data the train split
of the mnist package's 10,000 digits (90% of each class; the rest stays held out for
\`attrib calibrate\`). Stage "first" (key-1 with its generator), more keys orthogonal to
every earlier one, a keyed generator per key, then the evaluation: distinguishability per key,
attributability, the N x N attribution matrix, the L2 distance to the root and the FID of the root
and of every keyed generator. Interrupted? Run it again with --resume.
Profiles: ${Object.values(DEMO_PROFILES).map((p) => `${p.name}: ${p.description}`).join('; ')}.`;

  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --keys 10 --out runs/ten-users',
    '<%= config.bin %> demo --profile paper --out runs/paper',
    '<%= config.bin %> demo --objective hinge --out runs/demo-hinge',
    '<%= config.bin %> demo --resume',
  ];

  static override flags = {
    out: Flags.string({ summary: 'Run folder. Default: runs/demo.' }),
    keys: Flags.string({ summary: 'Number of keys (users). Default: 5.' }),
    profile: Flags.string({ summary: `Training schedule: ${Object.keys(DEMO_PROFILES).join(' or ')}. Default: fast.` }),
    objective: Flags.string({
      summary: `Keyed generators' objective: ${DEMO_OBJECTIVES.join(' or ')} (hinge: the release's h(1 + phi.G(z)) + alpha MSE(G(z), G0(z)); projected: the distance to G0(z) projected onto the key's keyed side). Default: the profile's (fast: projected, with keys near the root's samples; paper: hinge).`,
    }),
    seed: Flags.integer({ summary: 'Seed of every random draw of the run. Default: 0.' }),
    resume: Flags.boolean({ summary: 'Continue the run in --out where it stopped.' }),
  };

  async run(): Promise<DemoResult> {
    const s = this.settings(
      { out: 'runs/demo', keys: 5, profile: 'fast', objective: undefined as string | undefined, seed: 0, resume: false },
      {
        out: this.flags.out, profile: this.flags.profile, objective: this.flags.objective, seed: this.flags.seed, resume: this.flags.resume || undefined,
        keys: this.flags.keys === undefined ? undefined : parseNumberFlag('keys', this.flags.keys, true),
      },
      'demo',
    );
    const profile = demoProfile(s.profile);
    const { objective, stages } = demoStages(profile, s.objective);
    const dir = this.configPath(s.out);
    const backend = await this.backend();
    this.info(`attrib demo: ${s.keys} keys, profile ${profile.name}, objective ${objective}, backend ${backend.name}, run folder ${dir}`);
    const started = Date.now();
    const result = await runPipeline(await this.plugins(), {
      dir, adapter: 'dcgan', root: 'pretrained:mnist32', data: { source: 'mnist', split: 'train' }, seed: s.seed, keys: s.keys, resume: s.resume,
      first: stages.first, moreKeys: stages.keys, generators: stages.generators,
      metrics: ['distinguishability', 'attributability', 'attribution-matrix', 'quality', 'floor', 'fid'],
      ...(profile.samplesByMetric ? { samplesByMetric: profile.samplesByMetric } : {}),
    }, trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    const seconds = (Date.now() - started) / 1000;

    const keys = await loadRunKeys(dir);
    let cosines: number[][];
    try {
      cosines = keyCosines(keys);
    } finally {
      keys.forEach((k) => k.dispose());
    }
    const results = result.evaluation.record.results;
    const targets = {
      distinguishability: atLeast(results.distinguishability!.summary.mean!, TARGETS.distinguishability),
      attributability: atLeast(results.attributability!.summary.mean!, TARGETS.attributability),
      maxAbsCos: atMost(maxAbsOffDiagonal(cosines), TARGETS.maxAbsCos),
    };
    this.out(report(result, results, cosines, targets, seconds));
    return { ...result, profile: profile.name, objective, seconds, cosines, targets };
  }
}

function atLeast(value: number, target: number) {
  return { value, target, met: value >= target };
}

function atMost(value: number, target: number) {
  return { value, target, met: value <= target };
}

/** A metric's per-key values from its details (`perKey` rows, or `perGenerator` for attributability). */
function perKey(result: MetricResult | undefined, field: string, list = 'perKey'): Map<string, number> {
  const rows = (result?.details?.[list] ?? []) as Record<string, unknown>[];
  return new Map(rows.map((row) => [String(row.key), Number(row[field])]));
}

/** The printed summary: a row per key, the means, the attribution matrix, the key angles, the targets. */
function report(result: RunPipelineResult, results: Readonly<Record<string, MetricResult>>, cosines: number[][], targets: DemoResult['targets'], seconds: number): string {
  const d = perKey(results.distinguishability, 'distinguishability');
  const l2 = perKey(results.quality, 'l2');
  const fid = perKey(results.fid, 'fid');
  const floor = perKey(results.floor, 'floor');
  const ratio = perKey(results.floor, 'ratio');
  const ids = result.evaluation.record.keys;
  const share = perKey(results.attributability, 'attributability', 'perGenerator');
  const f = (v: number | undefined, digits = 3) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));
  const rows = ids.map((id) => [id, f(d.get(id)), f(share.get(id)), f(l2.get(id), 2), f(floor.get(id), 2), f(ratio.get(id), 2), f(fid.get(id), 2)]);
  rows.push([
    'mean', f(results.distinguishability?.summary.mean), f(results.attributability?.summary.mean), f(results.quality?.summary.mean, 2),
    f(results.floor?.summary.mean, 2), f(results.floor?.summary.ratio, 2), f(results.fid?.summary.mean, 2),
  ]);
  rows.push(['root', '', '', '', '', '', f(results.fid?.summary.root, 2)]);
  const matrix = (results['attribution-matrix']?.details?.matrix ?? []) as number[][];
  const matrixRows = matrix.map((row, g) => [`G:${ids[g]}`, ...row.map((v) => f(v))]);
  const verdict = (name: string, t: { value: number; target: number; met: boolean }, op: string) =>
    `${t.met ? 'met   ' : 'MISSED'} ${name} ${f(t.value)} (target ${op} ${t.target})`;
  return [
    `run folder ${result.dir} (${Math.round(seconds)} s)`,
    '',
    formatTable(['key', 'distinguishability', 'attributability', 'l2 to root', 'floor', 'l2/floor', 'fid'], rows),
    '',
    'attribution matrix (row: generator, column: key claiming its samples)',
    formatTable(['', ...ids], matrixRows),
    '',
    `largest |cos| between two keys: ${f(maxAbsOffDiagonal(cosines), 4)}`,
    verdict('mean distinguishability', targets.distinguishability, '>='),
    verdict('attributability', targets.attributability, '>='),
    verdict('largest |cos|', targets.maxAbsCos, '<='),
    `samples: ${result.dir}/samples/*.png, keys: ${result.dir}/keys/*.png, metrics: ${result.dir}/metrics.json`,
  ].join('\n');
}
