import { describe, expect, it } from 'vitest';
import { resolveOptions } from '@attrib/core';
import { pganAdapter } from './adapter.js';

describe('pgan paper profile', () => {
  it("speaks the engine's option names and gives the release's CelebA settings", () => {
    const stages = pganAdapter.profiles!.paper!.stages;
    const generator = { lr: 5e-4, beta1: 0, beta2: 0.99, alpha: 100, batchSize: 16, epochs: 5, lp: 2 };
    expect(resolveOptions('first', stages.first)).toMatchObject({ ...generator, lrKey: 1e-3, lrDecay: 0.6 });
    expect(resolveOptions('keys', stages.keys)).toMatchObject({ lrKey: 1e-3, batchSize: 32, epochs: 10, angleTerm: 'cosine', cosineTarget: 0.7, cosineWeight: 20 });
    expect(resolveOptions('generators', stages.generators)).toMatchObject({ ...generator, objective: 'hinge', lrDecay: 0.7 });
    expect(stages.robust).toBeUndefined();
  });
});
