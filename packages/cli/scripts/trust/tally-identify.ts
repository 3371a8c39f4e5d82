/**
 * Counts the verdicts of `attrib identify --json` per folder of images (docs/trust.md):
 *   attrib identify --run runs/demo --fpr 1e-3 --json runs/demo-pngs > identify.json
 *   tsx packages/cli/scripts/trust/tally-identify.ts identify.json
 * Prints one line per folder: how many images, and each verdict (keyed with its key) with its count.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

interface Verdict { file: string; kind: string; key?: string }

const file = process.argv[2];
if (!file) throw new Error('usage: tally-identify.ts IDENTIFY_JSON');
const result = JSON.parse(readFileSync(file, 'utf8')) as { images?: Verdict[]; calibration?: { fpr: number | null } | null };
if (!Array.isArray(result.images)) throw new Error(`${file}: expected the JSON of attrib identify --json (a list "images")`);
const folders = new Map<string, Map<string, number>>();
for (const v of result.images) {
  const folder = basename(dirname(v.file));
  const counts = folders.get(folder) ?? new Map<string, number>();
  const label = v.kind === 'keyed' ? `keyed ${v.key}` : v.kind;
  counts.set(label, (counts.get(label) ?? 0) + 1);
  folders.set(folder, counts);
}
process.stdout.write(`fpr ${result.calibration?.fpr ?? 'none (sign rule)'}\n`);
for (const [folder, counts] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${n} ${label}`);
  process.stdout.write(`${folder} (${total}): ${parts.join(', ')}\n`);
}
