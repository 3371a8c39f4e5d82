import { describe, expect, it } from 'vitest';
import { benchRecord, markdownTable, median } from '../scripts/bench/records.js';

describe('pnpm bench records', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });

  it("divides our median by PyTorch's best thread count, and leaves the ratio null without PyTorch", () => {
    const withTorch = benchRecord('step', { times: [0.3, 0.1, 0.2], numTensors: 54, peakRssMb: 400 }, { 1: 0.05, 2: 0.08 });
    expect(withTorch).toEqual({ name: 'step', oursSeconds: 0.2, torchSeconds: 0.05, ratio: 4, numTensors: 54, peakRssMb: 400 });
    const without = benchRecord('step', { times: [0.2], numTensors: 1, peakRssMb: 10 }, {});
    expect(without).toMatchObject({ torchSeconds: null, ratio: null });
    expect(benchRecord('demo', null, {})).toEqual({ name: 'demo', oursSeconds: null, torchSeconds: null, ratio: null, numTensors: null, peakRssMb: null });
  });

  it('writes a Markdown table with a column per PyTorch thread count', () => {
    const record = benchRecord('step', { times: [1.5], numTensors: 7, peakRssMb: 99.6 }, { 1: 0.5 });
    expect(markdownTable([record], { step: { 1: 0.5 } }).split('\n')).toEqual([
      '| step | ours | PyTorch 1 thread | ours / PyTorch best | tensors | peak RSS |',
      '| --- | --- | --- | --- | --- | --- |',
      '| step | 1.50 s | 500 ms | 3.00x | 7 | 100 MB |',
    ]);
  });
});
