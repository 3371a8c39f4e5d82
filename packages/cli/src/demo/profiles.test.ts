import { resolveOptions } from '@attrib/core';
import { describe, expect, it } from 'vitest';
import { demoProfile, demoStages } from './profiles.js';

describe('demo profiles and objectives', () => {
  it("fast trains keys near the root's samples and generators towards the floor by default; --objective hinge is the release's loss on the same schedule", () => {
    const fast = demoProfile('fast');
    const quality = demoStages(fast);
    expect(quality.objective).toBe('projected');
    expect(resolveOptions('keys', quality.stages.keys)).toMatchObject({ angleTerm: 'exact', scoreCeiling: 30, lrKey: 5e-2, epochs: 8 });
    expect(resolveOptions('generators', quality.stages.generators)).toMatchObject({
      objective: 'projected', trainMode: 'eval', alpha: 100, projectionMargin: 3, othersWeight: 1, ema: 0.99, epochs: 8, stepsPerEpoch: 50,
    });
    expect(resolveOptions('first', quality.stages.first)).toMatchObject({ objective: 'projected', trainMode: 'eval', alpha: 100, scoreCeiling: 30, epochs: 5, ema: 0.99 });
    const hinge = demoStages(fast, 'hinge');
    expect(hinge).toEqual({
      objective: 'hinge',
      stages: {
        first: { epochs: 5, stepsPerEpoch: 100, lrKey: 1e-2, lrDecay: 0.8, keepBest: true },
        keys: { epochs: 2, stepsPerEpoch: 60, lrKey: 1e-2 },
        generators: { epochs: 6, stepsPerEpoch: 50, lrDecay: 0.9, keepBest: true },
      },
    });
    expect(resolveOptions('generators', hinge.stages.generators)).toMatchObject({ objective: 'hinge', trainMode: 'train', alpha: 10, othersWeight: 0, ema: 0 });
    expect(resolveOptions('keys', hinge.stages.keys)).toMatchObject({ angleTerm: 'orthogonal', scoreCeiling: 0 });
  });

  it("paper stays the release's schedule exactly; --objective projected changes only the objective", () => {
    const paper = demoProfile('paper');
    expect(demoStages(paper)).toEqual({ objective: 'hinge', stages: { first: {}, keys: {}, generators: {} } });
    expect(demoStages(paper, 'projected')).toEqual({ objective: 'projected', stages: { first: { objective: 'projected' }, keys: {}, generators: { objective: 'projected' } } });
  });

  it('an unknown objective is a one-line error naming the flag and the choices', () => {
    expect(() => demoStages(demoProfile('fast'), 'shift')).toThrow('--objective "shift": unknown (objectives: hinge, projected)');
  });
});
