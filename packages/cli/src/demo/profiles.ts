import type { FirstStageOptions, GeneratorStageOptions, KeyStageOptions, OptionsInput } from '@attrib/core';

/** The stage settings of one `attrib demo` profile; whatever a stage leaves out is the release's default. */
export interface DemoProfile {
  readonly name: string;
  readonly summary: string;
  readonly first: OptionsInput<FirstStageOptions>;
  readonly keys: OptionsInput<KeyStageOptions>;
  readonly generators: OptionsInput<GeneratorStageOptions>;
  /** Sample counts of the named metrics where they differ from the reference's. */
  readonly samplesByMetric?: Readonly<Record<string, number>>;
}

/**
 * `fast` (the default) keeps the release's losses, batch sizes, alpha and generator learning
 * rates, and cuts the schedule to fit a 15-minute budget on two CPU cores: one epoch of 300 steps
 * for the first key and generator, two of 60 for each further key, one of 150 for each keyed
 * generator (the release: 10 epochs of 625 or 79). Two departures, both measured:
 * - keys (key-1 too) take lr_K 1e-2 instead of 1e-3: at 1e-3 a key drawn at norm ~32 needs the
 *   release's ~800 steps before 99% of the real digits score positive, which caps
 *   distinguishability below 0.99 on a short schedule;
 * - one generator epoch, not two: after the first epoch the hinge is met and the distance term
 *   pulls samples back towards the boundary, so a second short epoch (at the decayed rate) lost
 *   1-2 points of distinguishability on some keys (0.999 -> 0.983).
 * The FID uses 2,000 samples per distribution instead of 10,000 (a noisier estimate, still
 * comparable between the root and the keyed models, which all use the same count).
 *
 * `paper` is the release's DCGAN-MNIST schedule exactly (10 epochs per stage: hours on a CPU).
 */
export const DEMO_PROFILES: Readonly<Record<string, DemoProfile>> = {
  fast: {
    name: 'fast',
    summary: "the release's losses and rates on a short schedule that fits 15 minutes on 2 CPU cores",
    first: { epochs: 1, stepsPerEpoch: 300, lrKey: 1e-2, checkSamples: 1000 },
    keys: { epochs: 2, stepsPerEpoch: 60, lrKey: 1e-2 },
    generators: { epochs: 1, stepsPerEpoch: 150, checkSamples: 1000 },
    samplesByMetric: { fid: 2000 },
  },
  paper: {
    name: 'paper',
    summary: "the release's DCGAN-MNIST scripts: 10 epochs per stage, batch 16 (generators) and 128 (keys)",
    first: {},
    keys: {},
    generators: {},
  },
  smoke: {
    name: 'smoke',
    summary: 'a few steps of every stage and small samples: checks the wiring in seconds, its numbers mean nothing',
    first: { epochs: 1, stepsPerEpoch: 2, checkSamples: 16 },
    keys: { epochs: 1, stepsPerEpoch: 2, batchSize: 16 },
    generators: { epochs: 1, stepsPerEpoch: 2, checkSamples: 16 },
    samplesByMetric: { distinguishability: 32, attributability: 32, 'attribution-matrix': 32, quality: 32, fid: 32 },
  },
};

/** The profile of that name; a one-line error lists the names otherwise. */
export function demoProfile(name: string): DemoProfile {
  const profile = DEMO_PROFILES[name];
  if (!profile) throw new Error(`--profile ${JSON.stringify(name)}: unknown (profiles: ${Object.keys(DEMO_PROFILES).join(', ')})`);
  return profile;
}
