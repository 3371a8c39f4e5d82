import { resolveOptions } from '@attrib/core';
import { describe, expect, it } from 'vitest';
import { demoProfile, demoStages } from './profiles.js';

describe('demo profiles and objectives', () => {
  it("fast keeps the release's loss by default (the short schedule); --objective projected is issue 21's objective", () => {
    const fast = demoProfile('fast');
    const hinge = demoStages(fast);
    expect(hinge).toEqual({
      objective: 'hinge',
      stages: {
        first: { epochs: 5, stepsPerEpoch: 100, lrKey: 1e-2, lrDecay: 0.8, keepBest: true },
        keys: { epochs: 2, stepsPerEpoch: 60, lrKey: 1e-2 },
        generators: { epochs: 6, stepsPerEpoch: 50, lrDecay: 0.9, keepBest: true },
      },
    });
    expect(resolveOptions('generators', hinge.stages.generators)).toMatchObject({ objective: 'hinge', trainMode: 'train', alpha: 10 });
    const projected = demoStages(fast, 'projected');
    expect(projected.objective).toBe('projected');
    expect(resolveOptions('generators', projected.stages.generators)).toMatchObject({ objective: 'projected', trainMode: 'eval', alpha: 100, epochs: 6, stepsPerEpoch: 50 });
    expect(resolveOptions('first', projected.stages.first)).toMatchObject({ objective: 'projected', trainMode: 'eval', alpha: 100, epochs: 5 });
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
