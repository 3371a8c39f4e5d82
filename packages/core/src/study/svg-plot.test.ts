import { describe, expect, it } from 'vitest';
import { svgPlot, ticks } from './svg-plot.js';

describe('axis ticks', () => {
  it('are round multiples of 1, 2, 2.5 or 5 times a power of ten inside the range, at most six', () => {
    expect(ticks([1.85, 5.15])).toEqual([2, 3, 4, 5]); // colluders k = 2..5, padded
    expect(ticks([-2.25, 47.25])).toEqual([0, 10, 20, 30, 40]); // rotation 0 to 45 degrees, padded
    expect(ticks([0, 1])).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks([5.6, 94.4])).toEqual([20, 40, 60, 80]); // JPEG quality 10 to 90, padded
    expect(ticks([0.8473, 0.9859])).toEqual([0.85, 0.9, 0.95]); // SSIM
    expect(ticks([-3, -3])).toEqual([-3]);
  });

  it('label the x axis of a plot with the round values only', () => {
    const svg = svgPlot({ title: 't', xLabel: 'k', yLabel: 's', lines: true, yDomain: [0, 1], series: [{ name: 'a', points: [[2, 0.1], [3, 0.2], [4, 0.3], [5, 0.4]] }] });
    const labels = [...svg.matchAll(/text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['2', '3', '4', '5']));
    expect(labels.some((l) => l!.includes('.'))).toBe(false);
  });
});
