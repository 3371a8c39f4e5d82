import { describe, expect, it } from 'vitest';
import { resolveOptions } from '@attrib/core';
import { cycleganPaperProfile } from './profile.js';

describe('cycleganPaperProfile', () => {
  it("speaks the engine's option names and gives the release's Cityscapes settings", () => {
    const { stages } = cycleganPaperProfile;
    const first = resolveOptions('first', stages.first);
    expect(first).toMatchObject({ lr: 5e-4, batchSize: 1, epochs: 5, alpha: 1000, lrKey: 1e-3, lp: 2, beta2: 0.99, lrDecay: 0.6 });
    const keys = resolveOptions('keys', stages.keys);
    expect(keys).toMatchObject({ lrKey: 1e-3, batchSize: 4, epochs: 15, angleTerm: 'cosine', cosineTarget: 0.7, cosineWeight: 20, lrDecay: 0.6 });
    const generators = resolveOptions('generators', stages.generators);
    expect(generators).toMatchObject({ lr: 5e-4, batchSize: 1, epochs: 5, alpha: 1000, objective: 'hinge', lrDecay: 0.7 });
    expect(cycleganPaperProfile).toMatchObject({ name: 'paper', adapter: 'cyclegan', data: { source: 'unaligned', inputSplit: 'A', realSplit: 'B' } });
  });
});
