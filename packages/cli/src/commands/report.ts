import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { writeRunReport, type RunReportResult } from '../report/index.js';
import { runArg } from '../run/run-arg.js';

export default class Report extends AttribCommand<typeof Report> {
  static override summary = 'Write one self-contained HTML page of a run: metrics, attribution matrix, samples, keys, robustness curves.';

  static override description = `Reads RUN (manifest.json, metrics.json, keys/*.png, samples/*.png, and study.json when present)
and writes one HTML file with everything embedded (images as data URIs, charts as inline SVG), so
it can be mailed or archived on its own: the metric table of every evaluation (plain and robust
variants per post-process), per-key values, the N x N attribution matrix as a heatmap, the sample
grids of every generator beside the root's, the keys, and attributability and distinguishability
against post-process strength from a study. A folder holding only study.json gets the curves.`;

  static override examples = [
    '<%= config.bin %> report runs/mnist',
    '<%= config.bin %> report runs/mnist --out mnist-report.html',
  ];

  static override args = { run: runArg };

  static override flags = {
    out: Flags.string({ summary: 'HTML file to write (atomically). Default: RUN/report.html.' }),
  };

  async run(): Promise<RunReportResult> {
    const s = this.settings({ out: undefined as string | undefined }, { out: this.flags.out }, 'report');
    const result = await writeRunReport(this.configPath(this.args.run), s.out === undefined ? undefined : this.configPath(s.out));
    const study = result.studyRows > 0 ? `, ${result.studyRows} study rows` : '';
    this.out(`${result.out}: ${result.evaluations.length} evaluations, ${result.images} images${study} (${Math.ceil(result.bytes / 1024)} KiB)`);
    return result;
  }
}
