import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluationRecord, RunManifest } from '@attrib/core';
import { describe, expect, it } from 'vitest';
import { snapshot } from '@attrib/testing/run-fixture';
import { keyCosines, maxAbsOffDiagonal } from '../demo/key-angles.js';
import { runCommand } from '@attrib/testing/cli/run-command';
import Demo, { type DemoResult } from './demo.js';

describe('attrib demo', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'attrib-demo-')), 'run');
  const argv = ['--profile', 'smoke', '--keys', '3', '--out', out, '--backend', 'wasm'];

  it('keys the shipped MNIST root for 3 users, evaluates with FID, prints the table and matrix', async () => {
    const outcome = await runCommand<DemoResult>(Demo, [...argv, '--json']);
    expect(outcome.error).toBeUndefined();
    const result = outcome.result!;
    expect(result.trained).toEqual(['first', 'keys', 'generators']);
    expect(result.keys).toEqual(['key-1', 'key-2', 'key-3']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest).toMatchObject({ adapter: 'dcgan', imageShape: { height: 32, width: 32, channels: 1 }, data: { source: 'mnist' } });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, EvaluationRecord>;
    const results = metrics.plain!.results;
    expect(Object.keys(results)).toEqual(['distinguishability', 'attributability', 'attribution-matrix', 'quality', 'floor', 'fid']);
    expect(results.floor!.details).toMatchObject({ samples: 32 });
    const floorRows = results.floor!.details!.perKey as { floor: number; l2: number; ratio: number }[];
    floorRows.forEach((row) => {
      expect(row.floor).toBeGreaterThan(0);
      expect(row.ratio).toBe(row.l2 / row.floor);
    });
    expect(results.fid!.summary.root).toBeGreaterThan(0);
    expect(results.fid!.details).toMatchObject({ samples: 32 });
    // The cosines the command reports are the keys' own, symmetric with a unit diagonal.
    expect(result.cosines).toHaveLength(3);
    result.cosines.forEach((row, i) => row.forEach((c, j) => expect(c).toBeCloseTo(result.cosines[j]![i]!, 12)));
    result.cosines.forEach((row, i) => expect(row[i]).toBeCloseTo(1, 6));
    expect(result.targets.maxAbsCos.value).toBe(maxAbsOffDiagonal(result.cosines));
    expect(result.targets.distinguishability.value).toBe(results.distinguishability!.summary.mean);
    const files = Object.keys(await snapshot(out));
    expect(files).toEqual(expect.arrayContaining(['samples/root.png', 'samples/key-3.png', 'keys/key-1.png', 'keys/key-3.json', 'generators/key-2/generator.ckpt']));
  }, 240_000);

  it('prints a row per key, the means, the root FID, the matrix and the targets; --resume trains nothing more', async () => {
    const outcome = await runCommand<DemoResult>(Demo, [...argv, '--resume']);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result!.trained).toEqual([]);
    const lines = outcome.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('KEY'))).toMatch(/KEY\s+DISTINGUISHABILITY\s+ATTRIBUTABILITY\s+L2 TO ROOT\s+FLOOR\s+L2\/FLOOR\s+FID/);
    for (const id of ['key-1', 'key-2', 'key-3']) expect(lines.some((l) => new RegExp(`^${id}\\s+\\d\\.\\d{3}\\s+\\d\\.\\d{3}(\\s+\\d+\\.\\d{2}){4}$`).test(l))).toBe(true);
    expect(lines.some((l) => /^root\s+\d+\.\d{2}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^G:key-2(\s+\d\.\d{3}){3}$/.test(l))).toBe(true);
    expect(outcome.stdout).toMatch(/(met|MISSED) +mean distinguishability/);
  }, 120_000);

  it('an unknown profile or an existing run without --resume is a one-line error that changes nothing', async () => {
    const before = await snapshot(out);
    const unknown = await runCommand(Demo, ['--profile', 'quick', '--out', out]);
    expect(unknown.error?.message).toBe('--profile "quick": unknown (profiles: fast, paper, smoke)');
    const again = await runCommand(Demo, argv);
    expect(again.error?.message).toMatch(/already holds a run.*--resume/);
    expect(again.error?.message).not.toContain('\n');
    expect(await snapshot(out)).toEqual(before);
  });
});

describe('key cosines', () => {
  it('match hand-computed angles', () => {
    const key = (values: number[]) => ({ vector: { dataSync: () => Float32Array.from(values) } }) as never;
    const cosines = keyCosines([key([1, 0, 0]), key([1, 1, 0]), key([0, 0, -2])]);
    expect(cosines[0]![1]).toBeCloseTo(Math.SQRT1_2, 7);
    expect(cosines[0]![2]).toBe(0);
    expect(cosines[2]![2]).toBe(1);
    expect(maxAbsOffDiagonal(cosines)).toBeCloseTo(Math.SQRT1_2, 7);
    expect(maxAbsOffDiagonal([[1]])).toBe(0);
  });
});
