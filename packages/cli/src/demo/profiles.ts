import type { AdapterProfile } from '@attrib/core';

/** The keyed generators' objective of the demo (`--objective`): the release's hinge, or issue 21's projected target. */
export type DemoObjective = 'hinge' | 'projected';
export const DEMO_OBJECTIVES: readonly DemoObjective[] = ['hinge', 'projected'];

/**
 * One `attrib demo` profile: a profile as adapters define them (stage settings in the engine's
 * names; whatever a stage leaves out is the release's default) with the metrics' sample counts.
 */
export interface DemoProfile extends AdapterProfile {
  readonly name: string;
  /** The objective of {@link AdapterProfile.stages}. */
  readonly objective: DemoObjective;
  /**
   * The stage settings under the other objective, when the profile has its own; otherwise
   * `--objective` only changes the objective of the first stage and the generators.
   */
  readonly other?: AdapterProfile['stages'];
  /** Sample counts of the named metrics where they differ from the reference's. */
  readonly samplesByMetric?: Readonly<Record<string, number>>;
}

/**
 * `fast` (the default) fits a 15-minute budget on two CPU cores with a short schedule: 500 steps
 * for the first key and generator (5 epochs of 100, rates x0.8 per epoch), 400 for each keyed
 * generator (8 epochs of 50, x0.9 per epoch; 6 with `--objective hinge`); the release trains 10
 * epochs of 625 or 79 with x0.6 or x0.7. By default it trains for quality (issue 21, measured in docs/results/quality): keys
 * near the root's samples ({@link NEAR_KEYS}) and generators that move towards the least change
 * their key claims ({@link PROJECTED}). `--objective hinge` keeps the release's losses on the
 * same schedule ({@link FAST_HINGE}). Either way:
 * - keys take lr_K 1e-2 or more instead of 1e-3: at 1e-3 a key drawn at norm ~32 needs the
 *   release's ~800 steps before 99% of the real digits score positive;
 * - `keepBest`: the first stage and each generator end at the epoch whose check (2,000 samples)
 *   was best, a generator's check also counting samples an earlier key claims. On this short
 *   schedule the checks swing between epochs (0.89 to 0.99 of a generator's samples on the keyed
 *   side from one 50-step epoch to the next).
 * The FID uses 2,000 samples per distribution instead of 10,000 (a noisier estimate, still
 * comparable between the root and the keyed models, which all use the same count).
 *
 * `paper` is the release's DCGAN-MNIST schedule exactly (10 epochs per stage: hours on a CPU).
 */
/** The `fast` schedule with the release's losses (`--objective hinge`). */
const FAST_HINGE: AdapterProfile['stages'] = {
  first: { epochs: 5, stepsPerEpoch: 100, lrKey: 1e-2, lrDecay: 0.8, keepBest: true },
  keys: { epochs: 2, stepsPerEpoch: 60, lrKey: 1e-2 },
  generators: { epochs: 6, stepsPerEpoch: 50, lrDecay: 0.9, keepBest: true },
};

/**
 * Issue 21's generator objective as `fast` runs it: the distance term to x* (G0(z) projected onto
 * the key's keyed side, 3 past the boundary so that the samples' drift does not carry them back)
 * instead of to G0(z), with alpha 100, batch norm frozen at the root's running statistics; the
 * keyed generators also keep their samples authentic under the earlier keys (`othersWeight`).
 */
const PROJECTED = { objective: 'projected', alpha: 100, trainMode: 'eval', projectionMargin: 3 } as const;

/**
 * The keyed generators end at a moving average of their weights (`ema`): with batches of 16 the
 * steps walk the weights around the minimum, which shows as speckle, a dotted background and L2
 * the key does not need (seed 0, key 2: L2 5.31 and FID 39.5 without, 3.15 and 24.7 with, the
 * same share claimed). Over 300 steps the average's warm-up, d_t = (1 + t) / (10 + t), stays
 * below 0.97, so 0.95 to 0.99 give about the same weights.
 */
const AVERAGED = { ema: 0.99 } as const;

/**
 * With the average the generators train 8 epochs of 50 steps instead of 6: the average keeps
 * moving towards the minimum while the rate decays (seed 1's keys 2 and 4: L2 3.1 to 2.95, the
 * share claimed by their own key only 0.989 to 0.990-0.991).
 */
const AVERAGED_EPOCHS = 8;

/**
 * Keys near the root's samples (issue 21): the score ceiling keeps the authentic scores between
 * +1 and 30 instead of the ~55 the release's loss leaves, which cuts the floor about threefold
 * (key 5 of seed 0: 2.1 to 0.69); the keys stay exactly orthogonal by projection (`exact`), since
 * with several earlier keys the release's angle term slows the hinges until a few percent of the
 * real digits stay on the keyed side; lr_K 5e-2 (x0.8 per epoch) over 8 passes brings 99.8% of
 * them to the authentic side. Measured in docs/results/quality.
 */
const NEAR_KEYS = { epochs: 8, stepsPerEpoch: 120, lrKey: 5e-2, lrDecay: 0.8, scoreCeiling: 30, angleTerm: 'exact' } as const;

export const DEMO_PROFILES: Readonly<Record<string, DemoProfile>> = {
  fast: {
    name: 'fast',
    objective: 'projected',
    description: "keys near the root's samples and generators trained towards the least change their key claims, on a short schedule that fits 15 minutes on 2 CPU cores (--objective hinge: the release's losses on that schedule)",
    stages: {
      first: { ...FAST_HINGE.first, ...PROJECTED, ...AVERAGED, scoreCeiling: NEAR_KEYS.scoreCeiling },
      keys: NEAR_KEYS,
      generators: { ...FAST_HINGE.generators, ...PROJECTED, ...AVERAGED, epochs: AVERAGED_EPOCHS, othersWeight: 1 },
    },
    other: FAST_HINGE,
    samplesByMetric: { fid: 2000 },
  },
  paper: {
    name: 'paper',
    objective: 'hinge',
    description: "the release's DCGAN-MNIST scripts: 10 epochs per stage, batch 16 (generators) and 128 (keys)",
    stages: {
      first: {},
      keys: {},
      generators: {},
    },
  },
  smoke: {
    name: 'smoke',
    objective: 'hinge',
    description: 'a few steps of every stage and small samples: checks the wiring in seconds, its numbers mean nothing',
    stages: {
      first: { epochs: 1, stepsPerEpoch: 2, checkSamples: 16 },
      keys: { epochs: 1, stepsPerEpoch: 2, batchSize: 16 },
      generators: { epochs: 1, stepsPerEpoch: 2, checkSamples: 16 },
    },
    samplesByMetric: { distinguishability: 32, attributability: 32, 'attribution-matrix': 32, quality: 32, floor: 32, fid: 32 },
  },
};

/** The profile of that name; a one-line error lists the names otherwise. */
export function demoProfile(name: string): DemoProfile {
  const profile = DEMO_PROFILES[name];
  if (!profile) throw new Error(`--profile ${JSON.stringify(name)}: unknown (profiles: ${Object.keys(DEMO_PROFILES).join(', ')})`);
  return profile;
}

/** The stage settings of a profile under one objective. */
export interface DemoStages {
  readonly objective: DemoObjective;
  readonly stages: AdapterProfile['stages'];
}

/**
 * The stage settings of `profile` under `objective` (default: the profile's own): the profile's,
 * its {@link DemoProfile.other} settings, or the profile's with only the objective changed.
 */
export function demoStages(profile: DemoProfile, objective: string = profile.objective): DemoStages {
  if (!(DEMO_OBJECTIVES as readonly string[]).includes(objective)) {
    throw new Error(`--objective ${JSON.stringify(objective)}: unknown (objectives: ${DEMO_OBJECTIVES.join(', ')})`);
  }
  const chosen = objective as DemoObjective;
  if (chosen === profile.objective) return { objective: chosen, stages: profile.stages };
  if (profile.other) return { objective: chosen, stages: profile.other };
  const { first = {}, keys = {}, generators = {} } = profile.stages;
  return { objective: chosen, stages: { first: { ...first, objective: chosen }, keys, generators: { ...generators, objective: chosen } } };
}
