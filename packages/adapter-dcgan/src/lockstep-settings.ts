/**
 * The lockstep comparison with the release's arithmetic (lockstep.test.ts,
 * scripts/lockstep-draws.ts, scripts/make_lockstep_fixtures.py): the stages' options are the
 * release's DCGAN-MNIST defaults (attrib's `--profile paper`), cut to two short epochs so that
 * the learning-rate decay between epochs is exercised too.
 */
export const LOCKSTEP = {
  seed: 26,
  first: { epochs: 2, stepsPerEpoch: 6, checkSamples: 16 },
  keys: { epochs: 2, stepsPerEpoch: 4 },
  generators: { epochs: 2, stepsPerEpoch: 6, checkSamples: 16 },
} as const;
