import { describe, expect, it } from 'vitest';
import { fidPlot, l2Plot } from './plots.js';
import type { StudyRow } from './study-file.js';

const row = (over: Partial<StudyRow>): StudyRow => ({
  cell: 'c', adapter: 'dcgan', postprocess: 'blur', param: '', strength: '', alpha: 2, angle: 'orthogonal', robust: true,
  distinguishability: 0.9, attributability: 0.8, tprAtFpr1e2: null, tprAtFpr1e3: null, l2: 4, psnr: 20, ssim: 0.9, fid: 50,
  floor: 1.5, keyCosine: 0, keys: 5, base: 'demo', run: 'cells/c', finishedAt: '', ...over,
});

/** The x pixel of a circle or a mark line, from the SVG text. */
const circles = (svg: string): number[] => [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
const marks = (svg: string): number[] => [...svg.matchAll(/<line class="mark" x1="([\d.]+)"/g)].map((m) => Number(m[1]));

describe('study plots of attributability against L2 and FID', () => {
  it('l2-<pp>: one point per row, the floor under T drawn as a labelled dashed line left of every generator farther from the root', () => {
    const svg = l2Plot('blur', [row({ l2: 4 }), row({ l2: 8, alpha: 1 }), row({ l2: 6, robust: false, alpha: null })]);
    expect(circles(svg)).toHaveLength(3);
    expect(marks(svg)).toHaveLength(1);
    expect(svg).toContain('floor under T 1.50');
    // The x axis is in L2 units: the floor line is left of the L2 4 point, which is left of the L2 8 one.
    const [a, b] = circles(svg);
    expect(marks(svg)[0]!).toBeLessThan(Math.min(a!, b!));
  });

  it('leaves out rows without a floor or FID', () => {
    expect(marks(l2Plot('noise', [row({ floor: null })]))).toEqual([]);
    expect(circles(fidPlot('blur', [row({ fid: null }), row({ fid: 80 })]))).toHaveLength(1);
  });
});
