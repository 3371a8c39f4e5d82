import { certifyRun, type CertifyRunResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import type { Progress } from '../progress.js';
import { runArg } from '../run/run-arg.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { formatTable } from '../table.js';
import { formatMeasured } from '../trust/format.js';
import { parseDataFlag } from '../trust/source-flag.js';

export default class Certify extends AttribCommand<typeof Certify> {
  static override summary = "Check the paper's sufficient condition for attributability on a run, beside the attributability measured.";

  static override description = `The sufficient condition of Kim, Ren and Yang (ICLR 2021) as docs/trust.md states it: when every
keyed generator is (1 - delta)-distinguishable from authentic data and every pair of keys meets the
angle condition, attributability is at least 1 - N delta. Checked here in its conservative form, keys
at 90 degrees or more (cosine <= 0); the paper's data-dependent angle bound, which admits smaller
angles, is not computed. Per key, distinguishability on held-out real images (the run data's test
split when it trained on train, or --heldout) and its own generator's samples (8-bit round trip) gives
delta; the bound uses the largest delta, and beside it the same from the intervals' worse ends (joint
95%). The measured attributability (a sample is attributable when its own key claims it and no
other key does) is pooled over the generators, with its exact 95% interval.`;

  static override examples = ['<%= config.bin %> certify runs/demo', '<%= config.bin %> certify runs/demo --samples 2000 --json'];

  static override args = { run: runArg };

  static override flags = {
    heldout: Flags.string({ summary: 'Held-out real images: SOURCE[:PATH][@SPLIT]. Default: the run data, split test.' }),
    samples: Flags.string({ summary: 'Samples per keyed generator (and of the root). Default: 1000.' }),
    'batch-size': Flags.string({ summary: 'Generation batch size (speed/memory only). Default: 100.' }),
  };

  async run(): Promise<CertifyRunResult> {
    const f = this.flags;
    await this.backend();
    let bar: Progress | undefined;
    try {
      const result = await certifyRun(await this.plugins(), {
        dir: this.configPath(this.args.run),
        heldOut: f.heldout ? parseDataFlag('heldout', f.heldout) : undefined,
        samples: f.samples === undefined ? undefined : parseNumberFlag('samples', f.samples, true),
        batchSize: f['batch-size'] === undefined ? undefined : parseNumberFlag('batch-size', f['batch-size'], true),
        onProgress: (done, total) => {
          bar ??= this.progress('certify', total);
          bar.update(done);
        },
      });
      bar?.stop();
      bar = undefined;
      this.out(summary(result));
      return result;
    } finally {
      bar?.stop();
    }
  }
}

function summary(c: CertifyRunResult): string {
  const pairs = c.pairs.map((p) => [`${p.keys[0]} / ${p.keys[1]}`, p.degrees.toFixed(2), p.cosine.toFixed(4), p.holds ? 'holds' : 'FAILS']);
  const keys = c.keys.map((k) => [k.key, formatMeasured(k.realUnclaimed), formatMeasured(k.ownClaimed), k.delta.toFixed(4), k.deltaUpper.toFixed(4)]);
  const verdict = c.condition
    ? `condition holds for every pair: attributability >= 1 - N delta = 1 - ${c.n} x ${c.delta.toFixed(4)} = ${c.bound.toFixed(4)} (from the intervals' worse ends: ${c.boundLower.toFixed(4)})`
    : `condition fails for ${c.pairs.filter((p) => !p.holds).length} of ${c.pairs.length} pairs: no guarantee (1 - N delta would be ${c.bound.toFixed(4)})`;
  return [
    formatTable(['key pair', 'angle (degrees)', 'cosine', 'angle >= 90'], pairs),
    '',
    formatTable(['key', 'held-out unclaimed', 'own samples claimed', 'delta', 'delta (95% worse end)'], keys),
    '',
    verdict,
    `measured attributability: ${formatMeasured(c.attributability)} = ${c.attributability.rate.toFixed(4)} (${c.samples} samples per generator; held-out ${c.heldOut})`,
  ].join('\n');
}
