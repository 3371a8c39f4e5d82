import { parseStudyConfig, runStudy, type StudyResult } from '@attrib/core';
import { Args, Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { readConfigFile } from '../config-file.js';
import { parseParamValue } from '../params.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { trainingHooks } from '../run/training-progress.js';
import { workersFlag } from '../run/workers-flag.js';
import { taskDispatcher, taskQueueFlag } from '../run/queue-flag.js';
import { formatTable } from '../table.js';

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

export default class Study extends AttribCommand<typeof Study> {
  static override summary = 'Run a robustness study: a grid of bases x key angles x post-processes x strengths x robust x alphas.';

  static override description = `Every cell works in its own run folder under OUT/cells (a fork of its base run: the base is only
read): robust training against the cell's post-process at the cell's strength and alpha when the
cell is robust, then distinguishability and attributability under the post-process at evaluation
strength, and L2, PSNR, SSIM (and FID on MNIST) of the generators' own output against the root.
After each cell OUT/study.json, OUT/study.csv and the SVG plots (robustness-<post-process>.svg,
quality-robustness.svg) are rewritten; a cell already in study.json is not run again.

The grid comes from CONFIG (YAML or JSON; see examples/study-mnist.yaml) and the flags, flags
first. Config keys: base (a run folder, a list, or label: folder), postprocesses (names, or
name: {param, values, params, robust}; "none" measures without one), robust (true, false or
both), alphas, angles (base, orthogonal, cosine: keys trained for the study at 90 degrees or at
training.keys.cosineTarget), keyCount, training ({keys, generators, robust} stage options over
the base run's own), evaluation ({samples, batchSize, fid: auto|true|false}), out. Keyed and robust
generators are trained in --workers threads side by side, with the same results. With --queue the
cells and the collusion measurements go to a job queue and \`attrib worker\` processes run them
side by side (the key runs of the orthogonal and cosine angles are trained here first);
study.json holds the same numbers.`;

  static override examples = [
    '<%= config.bin %> study examples/study-mnist.yaml --out studies/mnist',
    '<%= config.bin %> study --base runs/demo --postprocess blur,noise --strength blur.sigma=1,2,3 --robust both --out studies/quick',
  ];

  static override args = {
    config: Args.string({ name: 'config', description: 'Study config file (YAML or JSON).' }),
  };

  /** The study's config is a study document, checked by the study itself. */
  static override checksConfigKeys = false;

  static override flags = {
    out: Flags.string({ summary: 'Study folder (study.json, study.csv, plots, cells/). Config key: out.' }),
    base: Flags.string({ summary: 'Base run folder (repeatable).', multiple: true, multipleNonGreedy: true }),
    postprocess: Flags.string({ summary: 'Post-processes, comma-separated ("none" for no post-process).' }),
    strength: Flags.string({ summary: 'Strengths of a post-process: NAME.PARAM=V1,V2,... (repeatable).', multiple: true, multipleNonGreedy: true }),
    robust: Flags.string({ summary: 'Robust training of the cells: true, false or both. Default: false.', options: ['true', 'false', 'both'] }),
    alphas: Flags.string({ summary: 'Alphas of robust training, comma-separated. Default: the robust stage\'s alpha.' }),
    angles: Flags.string({ summary: 'Key angles, comma-separated: base, orthogonal, cosine. Default: base.' }),
    'key-count': Flags.string({ summary: 'Keys of the study\'s key-angle runs. Default: the base\'s.' }),
    samples: Flags.string({ summary: "Overrides every metric's sample count." }),
    'batch-size': Flags.string({ summary: 'Generation batch size of the metrics.' }),
    fid: Flags.string({ summary: 'FID: auto (on MNIST data), true or false.', options: ['auto', 'true', 'false'] }),
    workers: workersFlag('generators'),
    queue: taskQueueFlag,
  };

  async run(): Promise<StudyResult> {
    if (this.args.config !== undefined) {
      if (this.configFile) throw new Error('give the study config once: as CONFIG or as --config, not both');
      this.configFile = await readConfigFile(this.args.config);
    }
    const where = this.configFile ? `study config ${this.configFile.path}` : 'study';
    const raw: Record<string, unknown> = { ...this.configValues() };
    if (raw.base !== undefined) raw.base = this.resolveBases(raw.base);
    const f = this.flags;
    if (f.base) raw.base = f.base.map((dir) => this.configPath(dir));
    if (f.postprocess !== undefined) raw.postprocesses = Object.fromEntries(list(f.postprocess).map((name) => [name, null]));
    if (f.strength) raw.postprocesses = this.withStrengths(raw.postprocesses, f.strength);
    if (f.robust !== undefined) raw.robust = f.robust === 'both' ? [false, true] : f.robust === 'true';
    if (f.alphas !== undefined) raw.alphas = list(f.alphas).map((a) => parseNumberFlag('alphas', a, false));
    if (f.angles !== undefined) raw.angles = list(f.angles);
    if (f['key-count'] !== undefined) raw.keyCount = parseNumberFlag('key-count', f['key-count'], true);
    const evaluation = { ...(raw.evaluation as Record<string, unknown> | undefined) };
    if (f.samples !== undefined) evaluation.samples = parseNumberFlag('samples', f.samples, true);
    if (f['batch-size'] !== undefined) evaluation.batchSize = parseNumberFlag('batch-size', f['batch-size'], true);
    if (f.fid !== undefined) evaluation.fid = f.fid === 'auto' ? 'auto' : f.fid === 'true';
    if (Object.keys(evaluation).length > 0) raw.evaluation = evaluation;
    const out = f.out ?? raw.out;
    if (typeof out !== 'string' || out === '') throw new Error('--out is required (the study folder; config key out)');
    const outDir = f.out !== undefined ? this.configPath(f.out) : this.configPath(out);
    const config = parseStudyConfig(raw, where);

    await this.backend();
    const hooks = trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) });
    const result = await runStudy(await this.plugins(), config, outDir, {
      ...hooks,
      onCell: ({ index, total, cell, status, row }) => {
        const what = `cell ${index + 1}/${total} ${cell.id}`;
        if (status === 'skipped') this.info(`${what}: already done`);
        else if (status === 'start') this.info(`${what}: ${cell.robust ? `robust training (alpha ${cell.alpha}), then ` : ''}evaluation`);
        else this.info(`${what}: attributability ${row!.attributability.toFixed(4)}, distinguishability ${row!.distinguishability.toFixed(4)}, L2 ${row!.l2.toFixed(4)}`);
      },
    }, { ...(f.workers !== undefined ? { workers: f.workers } : {}), ...taskDispatcher(f.queue, (t) => this.info(t)) });
    const fmt = (v: number | null): string => (v === null ? '' : v.toFixed(4));
    this.out(formatTable(
      ['postprocess', 'strength', 'robust', 'alpha', 'angle', 'distinguish.', 'attributab.', 'l2', 'psnr', 'ssim', 'fid'],
      result.rows.map((r) => [
        r.postprocess, r.param ? `${r.param}=${r.strength}` : 'default', String(r.robust), r.alpha === null ? '' : String(r.alpha), r.angle,
        fmt(r.distinguishability), fmt(r.attributability), fmt(r.l2), fmt(r.psnr), fmt(r.ssim), fmt(r.fid),
      ]),
    ));
    if (result.collusion.length > 0) {
      this.out(formatTable(
        ['collusion', 'k', 'colluders', 'every', 'one', 'some', 'none', 'innocent'],
        result.collusion.map((r) => [r.pool, String(r.k), r.colluders, fmt(r.every), fmt(r.one), fmt(r.partial), fmt(r.none), fmt(r.innocent)]),
      ));
    }
    this.out(`${result.ran.length} of ${result.cells} cells run now; wrote ${result.files.join(', ')} to ${result.dir}`);
    return result;
  }

  /** Base folders of the config file, resolved against its folder. */
  private resolveBases(value: unknown): unknown {
    const resolvePath = (v: unknown): unknown => (typeof v === 'string' ? this.configPath(v) : v);
    if (Array.isArray(value)) return value.map(resolvePath);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePath(v)]));
    return resolvePath(value);
  }

  /** `--strength NAME.PARAM=V1,V2` entries merged into the post-process specs. */
  private withStrengths(postProcesses: unknown, entries: readonly string[]): Record<string, unknown> {
    const specs: Record<string, unknown> = Array.isArray(postProcesses)
      ? Object.fromEntries(postProcesses.map((p) => (typeof p === 'string' ? [p, null] : [String((p as { name?: unknown }).name), p])))
      : { ...(postProcesses as Record<string, unknown> | undefined) };
    for (const entry of entries) {
      const match = /^([A-Za-z0-9][A-Za-z0-9._-]*?)\.([A-Za-z0-9_]+)=(.+)$/.exec(entry.trim());
      if (!match) throw new Error(`--strength ${JSON.stringify(entry)}: expected NAME.PARAM=V1,V2,... (e.g. blur.sigma=1,2,3)`);
      const [, name, param, values] = match;
      const spec = (specs[name!] ?? {}) as Record<string, unknown>;
      specs[name!] = { ...spec, param, values: values!.split(',').map((v) => parseParamValue(v)) };
    }
    return specs;
  }
}
