/**
 * The plots of docs/results/robust-quality: per post-process, attributability under it against
 * L2 to the root and against FID, today's robust table (the release's loss, CSVs of
 * docs/results/robust-paper) beside a study with the projected robust objective (series `earlier` and the study's), the floor under
 * T from the study's rows drawn in; `STUDY_DIR=NAME` names the study's series (default `projected`):
 *   tsx --conditions=source packages/cli/scripts/robust-quality/plots.ts OUT_DIR STUDY_DIR[=NAME] [TODAY.csv ...]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Internal to core (not in its public index): read from the source.
import { fidPlot, l2Plot } from '../../../core/src/study/plots.js';
import type { StudyFile, StudyRow } from '../../../core/src/study/study-file.js';
import { writeFileAtomic } from '../../../core/src/util/atomic-write.js';

/** Rows of a study.csv (older ones lack some columns), their base renamed to `base`. */
function csvRows(file: string, base: string): StudyRow[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const v = Object.fromEntries(line.split(',').map((x, i) => [columns[i]!, x]));
    const num = (name: string): number | null => (v[name] === undefined || v[name] === '' ? null : Number(v[name]));
    return {
      cell: v.cell!, adapter: v.adapter!, postprocess: v.postprocess!, param: v.param ?? '', strength: v.strength ?? '', alpha: num('alpha'),
      angle: v.angle!, robust: v.robust === 'true', distinguishability: num('distinguishability')!, attributability: num('attributability')!,
      tprAtFpr1e2: num('tprAtFpr1e2'), tprAtFpr1e3: num('tprAtFpr1e3'), l2: num('l2')!, psnr: num('psnr')!, ssim: num('ssim')!, fid: num('fid'),
      floor: num('floor'), keyCosine: num('keyCosine'), keys: num('keys')!, base, run: v.run!, finishedAt: v.finishedAt!,
    };
  });
}

async function main(): Promise<void> {
  const [out, studyArg, ...today] = process.argv.slice(2);
  if (!out || !studyArg) throw new Error('usage: plots.ts OUT_DIR STUDY_DIR[=NAME] [TODAY.csv ...]');
  const [studyDir, series = 'projected'] = studyArg.split('=') as [string, string?];
  const study = JSON.parse(readFileSync(join(studyDir, 'study.json'), 'utf8')) as StudyFile;
  const rows: StudyRow[] = [
    ...today.flatMap((file) => csvRows(file, 'earlier')).filter((r) => r.robust),
    ...study.cells.map((r) => ({ ...r, base: series })),
  ];
  for (const postProcess of new Set(study.cells.map((r) => r.postprocess))) {
    const group = rows.filter((r) => r.postprocess === postProcess);
    await writeFileAtomic(join(out, `l2-${postProcess}.svg`), l2Plot(postProcess, group));
    await writeFileAtomic(join(out, `fid-${postProcess}.svg`), fidPlot(postProcess, group));
    console.log(`l2-${postProcess}.svg, fid-${postProcess}.svg: ${group.length} rows`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
