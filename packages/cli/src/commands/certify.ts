import { certifyRun, type CertifyRunResult } from '@attrib/core';
import { AttribCommand } from '../base-command.js';
import { runArg } from '../run/run-arg.js';
import { formatTable } from '../table.js';
import { formatMeasured } from '../trust/format.js';
import { scoreFlags, scoreRequest, withProgress } from '../trust/score-flags.js';

export default class Certify extends AttribCommand<typeof Certify> {
  static override summary = "Check the paper's sufficient condition for attributability on a run, beside the attributability measured.";

  static override description = `The sufficient condition of Kim, Ren and Yang (ICLR 2021) as docs/trust.md states it: when every
keyed generator is (1 - delta)-distinguishable from authentic data and every pair of keys has
cos(phi_i, phi_j) <= a(phi_i, phi_j), attributability is at least 1 - N delta. a is the data-dependent
bound derived in docs/trust.md under the paper's shifted-root model: min(d_min(phi_j) / d_max(phi_i),
d_min(phi_i) / d_max(phi_j)), with d_min and d_max the smallest score and largest absolute score of the
unit key over the authentic images (held-out real images and root samples); positive for data-compliant
keys, so keys at 90 degrees or more (the conservative form, also shown) meet it. Per key,
distinguishability on held-out real images (the run data's test split when it trained on train, or
--heldout) and its own generator's samples (8-bit round trip) gives delta. Per pair: whether the
condition holds, the guarantee 1 - 2 delta for the two generators and their measured attributability
with its exact 95% interval; for the run: 1 - N delta with the largest delta (and from the intervals'
worse ends, joint 95%) beside the measured attributability (own key claims, no other key does).`;

  static override examples = ['<%= config.bin %> certify runs/demo', '<%= config.bin %> certify runs/demo --samples 2000 --json'];

  static override args = { run: runArg };

  static override flags = { ...scoreFlags };

  async run(): Promise<CertifyRunResult> {
    const request = { dir: this.configPath(this.args.run), ...scoreRequest(this.flags) };
    await this.backend();
    const plugins = await this.plugins();
    const result = await withProgress((label, total) => this.progress(label, total), 'certify', (onProgress) => certifyRun(plugins, { ...request, onProgress }));
    this.out(summary(result));
    return result;
  }
}

function summary(c: CertifyRunResult): string {
  const pairs = c.pairs.map((p) => [
    `${p.keys[0]} / ${p.keys[1]}`, p.degrees.toFixed(3), p.cosine.toExponential(2), p.angleBound.toFixed(4), p.minDegrees.toFixed(2),
    p.holds ? 'holds' : 'FAILS', p.orthogonal ? 'yes' : 'no', p.guaranteed.toFixed(4), formatMeasured(p.attributability),
  ]);
  const keys = c.keys.map((k) => [
    k.key, formatMeasured(k.realUnclaimed), formatMeasured(k.ownClaimed), k.delta.toFixed(4), k.deltaUpper.toFixed(4),
    k.extent.dMin.toFixed(4), k.extent.dMax.toFixed(4), `${k.extent.notCompliant}/${k.extent.n}`,
  ]);
  const failing = c.pairs.filter((p) => !p.holds).length;
  const verdict = c.condition
    ? `condition holds for every pair: attributability >= 1 - N delta = 1 - ${c.n} x ${c.delta.toFixed(4)} = ${c.bound.toFixed(4)} (from the intervals' worse ends: ${c.boundLower.toFixed(4)})`
    : `condition fails for ${failing} of ${c.pairs.length} pairs: no guarantee (1 - N delta would be ${c.bound.toFixed(4)})`;
  return [
    formatTable(['key pair', 'angle (degrees)', 'cosine', 'a (max cosine)', 'min angle', 'condition', '>= 90 degrees', 'guaranteed 1 - 2 delta', 'measured attributability'], pairs),
    '',
    formatTable(['key', 'held-out unclaimed', 'own samples claimed', 'delta', 'delta (95% worse end)', 'd_min', 'd_max', 'authentic claimed'], keys),
    '',
    verdict,
    `measured attributability: ${formatMeasured(c.attributability)} = ${c.attributability.rate.toFixed(4)} (${c.samples} samples per generator; held-out ${c.heldOut})`,
  ].join('\n');
}
