/**
 * Options of the training stages, with the defaults of the reference release's DCGAN-MNIST
 * scripts (see `docs/method.md`, "Settings of the release scripts"). Every field may be
 * overridden; {@link resolveOptions} fills in the rest and validates.
 */

/** Distance between a keyed generator's output and the root's: 2 = MSE (`lp_type 2`), 1 = L1. */
export type LpNorm = 1 | 2;

/** What every stage shares. */
export interface EpochOptions {
  /** Epochs to train (the release's `key_iter`). */
  readonly epochs: number;
  /** Batch size (real images and inputs per step). */
  readonly batchSize: number;
  /**
   * Caps the steps of one epoch (an epoch is otherwise one pass over the data, the last batch
   * possibly smaller). For tests and time budgets; `undefined` = no cap.
   */
  readonly stepsPerEpoch?: number | undefined;
  /** Learning rates are multiplied by this after every epoch (PyTorch `StepLR(step_size=1)`). */
  readonly lrDecay: number;
}

/** Adam settings of a generator (`betas = (beta1, beta2)`). */
export interface GeneratorOptimizerOptions {
  /** Learning rate of the generator. */
  readonly lr: number;
  readonly beta1: number;
  /** The release fixes 0.99. */
  readonly beta2: number;
  /** Weight of the distance term. */
  readonly alpha: number;
  readonly lp: LpNorm;
}

/**
 * What a keyed generator's distance term measures to, and in which mode it trains (not in the
 * release, issue 21). With `objective` `projected` the term is alpha * MSE(G(z), x*), x* the
 * projection of G0(z) onto { x in [-1, 1]^d : phi.x <= -projectionMargin } (the smallest change
 * the key claims with that margin), instead of alpha * MSE(G(z), G0(z)).
 */
export interface ProjectionOptions {
  /** Margin of the projected target x*: phi.x* <= -projectionMargin (the hinge's is 1). */
  readonly projectionMargin: number;
  /**
   * The generator's mode during its training steps: `train` (the release: batch norm with batch
   * statistics, running statistics updated) or `eval` (batch norm frozen at the root's running
   * statistics, as the generator is evaluated).
   */
  readonly trainMode: 'train' | 'eval';
}

/** Not in the release (issue 21): an upper bound on authentic images' scores in a key's loss. */
export interface ScoreCeilingOptions {
  /**
   * When above 0, the key's loss also takes h(s - scoreCeiling) of the root's and the real
   * images' scores s (besides the release's h(1 - s)), so they end between +1 and the ceiling
   * rather than far past +1: the smallest change the key claims (the floor) shrinks with the
   * authentic images' distance from the hyperplane. 0 (the release) leaves the term out.
   */
  readonly scoreCeiling: number;
}

/** Stage "first": key phi_1 and generator G_1 trained jointly (method.md, "Step 1 and 2"). */
export interface FirstStageOptions extends EpochOptions, GeneratorOptimizerOptions, ProjectionOptions, ScoreCeilingOptions {
  /** The generator step's objective: `hinge` (the release) or `projected` (see {@link ProjectionOptions}). */
  readonly objective: 'hinge' | 'projected';
  /** Adam learning rate of the key (betas (0.9, 0.999), PyTorch's defaults). */
  readonly lrKey: number;
  /**
   * Theory mode: adds |1 - ||phi||| to the key loss; the key then starts at unit norm rather than
   * at N(0, I) (see {@link KeyStageOptions.theory}).
   */
  readonly theory: boolean;
  /** Generated samples of the end-of-epoch check (share of G_1 samples with phi.G_1(z) <= -1). */
  readonly checkSamples: number;
  /** Not in the release: end at the key and generator of the epoch whose check had the highest distinguishability. */
  readonly keepBest: boolean;
  /** As {@link GeneratorStageOptions.ema}, for the first key's generator (the key trains against the live weights). */
  readonly ema: number;
}

/** How a new key is kept away from the earlier ones. */
export type AngleTerm = 'orthogonal' | 'cosine' | 'exact';

/** Stage "keys": phi_2..phi_N, each against the frozen root (method.md, "More keys"). */
export interface KeyStageOptions extends EpochOptions, ScoreCeilingOptions {
  readonly lrKey: number;
  /**
   * `orthogonal` (default): sum_j |phi_j . phi|, driving every pair of keys to 90 degrees.
   * `cosine`: sum_j cosineWeight * |cosineTarget - cos(phi_j, phi)| (the release's PGAN and
   * CycleGAN "side experiment").
   * `exact` (not in the release): no term in the loss; the key starts and stays exactly at 90
   * degrees from every earlier key, projected onto their orthogonal complement after each step.
   * With several earlier keys the release's term dominates the loss and slows the hinges.
   */
  readonly angleTerm: AngleTerm;
  /** Target cosine c of the `cosine` term; the release uses 0.7. */
  readonly cosineTarget: number;
  /** Weight of the `cosine` term; the release uses 20. */
  readonly cosineWeight: number;
  /**
   * Theory mode: adds |1 - ||phi||| to the loss and trains the key again when its final norm is
   * >= {@link normLimit}. Unlike the release, theory-mode keys START AT UNIT NORM (a N(0, I)
   * draw rescaled to norm 1): a key drawn at norm ~sqrt(d) cannot come back near 1 at lr_K 1e-3
   * in the release's schedule, so the release's retry loop would never end.
   */
  readonly theory: boolean;
  /** Theory mode: a key whose final norm is >= this is retrained. */
  readonly normLimit: number;
  /** Theory mode: trainings of one key before giving up with an error. */
  readonly maxAttempts: number;
}

/**
 * The keyed-generator objective.
 * - `hinge` (the release): h(1 + phi.G(z)) + alpha * MSE(G(z), G0(z)).
 * - `shift` (the paper's Eq. 10 / Algorithm 1): regression of G(z) onto G0(z) - gamma * u, with
 *   u = phi / ||phi|| (see {@link ShiftOptions}).
 * - `projected` (issue 21): h(1 + phi.G(z)) + alpha * MSE(G(z), x*), x* the projection of G0(z)
 *   onto the key's keyed side in the box (see {@link ProjectionOptions}).
 */
export type GeneratorObjective = 'hinge' | 'shift' | 'projected';

/**
 * The paper's theory-consistent objective, in the code's sign convention (keyed images score
 * negative): min E_z || G(z) - (G0(z) - gamma * u) ||^2 with u the unit key direction, so the
 * target's score is phi.G0(z) - gamma * ||phi||. gamma starts at d_max = max_x |u . x| over the
 * data (the paper's d_max(phi) for a unit-norm key) and, after every epoch in which the generator
 * is not (1 - delta)-distinguishable, is multiplied by `growth`. Training continues from the
 * current weights across gamma changes. The squared norm is averaged over pixels (a constant
 * factor 1/d, which Adam does not see).
 */
export interface ShiftOptions {
  /** Target distinguishability is 1 - delta. */
  readonly delta: number;
  /** Factor applied to gamma after an epoch that missed the target. */
  readonly growth: number;
  /** Real images over which d_max is taken (`undefined` = the whole data set). */
  readonly dmaxSamples?: number | undefined;
  /** Ends the stage at the first epoch whose check reaches 1 - delta (the remaining epochs are skipped). */
  readonly stopWhenDistinguishable: boolean;
}

/** Stage "generators": one keyed generator per key, from a copy of G0 (method.md, "A generator per key"). */
export interface GeneratorStageOptions extends EpochOptions, GeneratorOptimizerOptions, ProjectionOptions {
  readonly objective: GeneratorObjective;
  readonly shift: ShiftOptions;
  /** Generated samples of the per-epoch check (share with phi.G(z) <= -1; distinguishability for `shift`). */
  readonly checkSamples: number;
  /**
   * Not in the release (which keeps the last epoch's weights): end at the weights of the epoch
   * whose check had the highest distinguishability, a later epoch winning a tie.
   */
  readonly keepBest: boolean;
  /**
   * Not in the release: weight of the mean over the earlier keys phi_j (those trained before
   * this one, the only ones that exist while it trains) of h(1 - phi_j.G_i(z)), which keeps this
   * generator's samples authentic under them. 0 (the release) leaves it out.
   */
  readonly othersWeight: number;
  /**
   * Not in the release: decay of an exponential moving average of the generator's weights,
   * updated after every step; the checks, the kept epoch and the result use the average.
   * 0 (the release) trains without one.
   */
  readonly ema: number;
}

/** Stage "robust": fine-tune a keyed generator against a post-process (method.md, "Robust training"). */
export interface RobustStageOptions extends EpochOptions, GeneratorOptimizerOptions, ProjectionOptions {
  /**
   * `hinge` (the release): alpha * MSE(T(G_i(z)), T(G0(z))) on steps that apply T. `projected`
   * (issue 21): alpha * MSE(G_i(z), x*), x* the projection of G0(z) onto the keyed side of
   * A^T phi (A the linear part of that step's T) on steps that apply T, of phi on the others.
   */
  readonly objective: 'hinge' | 'projected';
  /** As {@link GeneratorStageOptions.ema}. */
  readonly ema: number;
  /** Probability that a step applies the post-process (to both G_i(z) and G0(z)). */
  readonly probability: number;
  readonly checkSamples: number;
  /**
   * Weight of a term that is not in the release: the mean over the run's other keys phi_j of
   * h(1 - phi_j.T(G_i(z))), which keeps this generator's (post-processed) samples authentic under
   * every other key, the second half of attributability. 0 (the release) leaves it out.
   */
  readonly othersWeight: number;
  /**
   * Not in the release; objective `projected` with other keys only: x* is also moved the least
   * way so that every other key phi_j scores it (through A, as the own key) at least this, so the
   * target stays authentic under them with room for what T adds (noise). 0 leaves them out.
   */
  readonly othersMargin: number;
}

const EPOCHS = { epochs: 10, lrDecay: 0.6, stepsPerEpoch: undefined };
const GENERATOR_ADAM = { lr: 5e-4, beta1: 0.5, beta2: 0.99, alpha: 10, lp: 2 as LpNorm };
const RELEASE_PROJECTION = { projectionMargin: 1, trainMode: 'train' as const };

/** Defaults of every stage (DCGAN on MNIST in the release). */
export const DEFAULT_OPTIONS = {
  first: {
    ...EPOCHS, ...GENERATOR_ADAM, ...RELEASE_PROJECTION, objective: 'hinge' as 'hinge' | 'projected', scoreCeiling: 0, batchSize: 16, lrKey: 1e-3, theory: false, checkSamples: 2000, keepBest: false, ema: 0,
  } satisfies FirstStageOptions,
  keys: {
    ...EPOCHS, batchSize: 128, lrKey: 1e-3, angleTerm: 'orthogonal', cosineTarget: 0.7, cosineWeight: 20,
    theory: false, normLimit: 1.01, maxAttempts: 10, scoreCeiling: 0,
  } satisfies KeyStageOptions,
  generators: {
    ...EPOCHS, ...GENERATOR_ADAM, ...RELEASE_PROJECTION, batchSize: 16, lrDecay: 0.7, objective: 'hinge' as GeneratorObjective, checkSamples: 2000, keepBest: false, othersWeight: 0, ema: 0,
    shift: { delta: 0.01, growth: 1.1, dmaxSamples: undefined, stopWhenDistinguishable: true },
  } satisfies GeneratorStageOptions,
  robust: {
    ...EPOCHS, ...GENERATOR_ADAM, ...RELEASE_PROJECTION, objective: 'hinge' as 'hinge' | 'projected', batchSize: 16, lrDecay: 0.7, probability: 0.5, checkSamples: 2000, othersWeight: 0, othersMargin: 0, ema: 0,
  } satisfies RobustStageOptions,
} as const;

export type StageName = keyof typeof DEFAULT_OPTIONS;
export interface StageOptions {
  first: FirstStageOptions;
  keys: KeyStageOptions;
  generators: GeneratorStageOptions;
  robust: RobustStageOptions;
}

/** What a user is told of one stage option: its kind of value, a one-line summary and its choices. */
export interface StageOptionInfo {
  readonly kind: 'number' | 'integer' | 'boolean' | 'string';
  readonly summary: string;
  readonly choices?: readonly string[];
}

/**
 * Every stage option in one line each (the options of `shift` by their own names), for help
 * texts: the CLI's training flags are written from these.
 */
export const STAGE_OPTION_INFO: Readonly<Record<string, StageOptionInfo>> = {
  epochs: { kind: 'integer', summary: 'Epochs of training (a pass over the data each).' },
  batchSize: { kind: 'integer', summary: 'Batch size.' },
  stepsPerEpoch: { kind: 'integer', summary: 'Caps the steps of an epoch (default: a whole pass over the data).' },
  lrDecay: { kind: 'number', summary: 'Learning rates are multiplied by this after every epoch.' },
  lr: { kind: 'number', summary: 'Adam learning rate of the generator.' },
  beta1: { kind: 'number', summary: "Adam beta1 of the generator (beta2 is the release's 0.99)." },
  alpha: { kind: 'number', summary: 'Weight of the distance to the root in the generator loss.' },
  lp: { kind: 'integer', summary: 'Distance to the root: 2 = MSE, 1 = L1.' },
  checkSamples: { kind: 'integer', summary: 'Samples of the end-of-epoch check.' },
  keepBest: { kind: 'boolean', summary: "Not in the release: end at the weights of the epoch whose check had the highest distinguishability (--no-keep-best: the last epoch's)." },
  lrKey: { kind: 'number', summary: 'Adam learning rate of the key.' },
  theory: { kind: 'boolean', summary: 'Theory mode: unit-norm key term; keys start at unit norm.' },
  angleTerm: { kind: 'string', choices: ['orthogonal', 'cosine', 'exact'], summary: 'orthogonal: sum |phi_j.phi|; cosine: 20 |c - cos(phi_j, phi)|; exact: kept at 90 degrees by projection after every step (not in the release).' },
  cosineTarget: { kind: 'number', summary: 'Target cosine c of --angle cosine (0.7 in the release).' },
  cosineWeight: { kind: 'number', summary: 'Weight of --angle cosine (20 in the release).' },
  normLimit: { kind: 'number', summary: 'Theory mode: keys with a final norm >= this are trained again.' },
  maxAttempts: { kind: 'integer', summary: 'Theory mode: trainings of one key before giving up.' },
  objective: {
    kind: 'string', choices: ['hinge', 'shift', 'projected'],
    summary: "hinge (the release), shift (the paper's regression onto G0(z) - gamma u; generators only) or projected (hinge + alpha MSE to x*, G0(z) projected onto phi.x <= -margin; robust: onto (A^T phi).x <= -margin when T = A x is applied).",
  },
  scoreCeiling: { kind: 'number', summary: "Not in the release: authentic images' scores are also pushed below this (h(s - c)); 0 leaves the term out." },
  projectionMargin: { kind: 'number', summary: 'projected: the target x* scores <= -margin under the key.' },
  trainMode: { kind: 'string', choices: ['train', 'eval'], summary: "The generator's mode while it trains: train (the release: batch statistics) or eval (batch norm frozen)." },
  delta: { kind: 'number', summary: 'shift: target distinguishability is 1 - delta.' },
  growth: { kind: 'number', summary: 'shift: gamma is multiplied by this after an epoch that missed the target.' },
  dmaxSamples: { kind: 'integer', summary: 'shift: real images d_max is taken over (default all).' },
  stopWhenDistinguishable: { kind: 'boolean', summary: 'shift: end at the first epoch reaching 1 - delta (--no-early-stop to train every epoch).' },
  probability: { kind: 'number', summary: 'Probability that a step applies the post-process.' },
  ema: { kind: 'number', summary: "Not in the release: decay of a moving average of the generator's weights (e.g. 0.99), which the checks and the result use; 0 leaves it out." },
  othersWeight: { kind: 'number', summary: 'Not in the release: weight of mean_j h(1 - phi_j.T(G_i(z))) over the other keys (the earlier ones while generators train), keeping samples authentic under them.' },
  othersMargin: { kind: 'number', summary: 'Not in the release; robust, projected: x* also scores at least this under every other key (through T); 0 leaves them out.' },
};

/** Deep-partial options as a caller gives them. */
export type OptionsInput<T> = { readonly [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/**
 * Fills in the defaults of `stage` and validates every value; an error names the option, the
 * value and what was expected. Unknown option names are errors too.
 */
export function resolveOptions<S extends StageName>(stage: S, input: OptionsInput<StageOptions[S]> = {}): StageOptions[S] {
  const defaults = DEFAULT_OPTIONS[stage] as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(input)) {
    if (!(name in defaults)) throw new Error(`${stage} option ${name}: unknown (known: ${Object.keys(defaults).join(', ')})`);
    if (value === undefined) continue;
    const fallback = defaults[name];
    out[name] = fallback !== null && typeof fallback === 'object' ? mergeNested(stage, name, fallback as Record<string, unknown>, value) : value;
  }
  validate(stage, out);
  return out as unknown as StageOptions[S];
}

function mergeNested(stage: string, name: string, defaults: Record<string, unknown>, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw new Error(`${stage} option ${name}: expected an object, got ${JSON.stringify(value)}`);
  const out = { ...defaults };
  for (const [key, inner] of Object.entries(value)) {
    if (!(key in defaults)) throw new Error(`${stage} option ${name}.${key}: unknown (known: ${Object.keys(defaults).join(', ')})`);
    if (inner !== undefined) out[key] = inner;
  }
  return out;
}

type Check = (value: unknown) => string | undefined;
const positiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegativeInteger: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a non-negative integer');
const positive: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number');
const nonNegative: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a non-negative number');
const unitInterval: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const probability: Check = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number in [0, 1]');
const decay: Check = (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'a number in (0, 1]');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf = (...values: unknown[]): Check => (v) => (values.includes(v) ? undefined : values.map((x) => JSON.stringify(x)).join(' or '));
const optional = (check: Check): Check => (v) => (v === undefined ? undefined : check(v));
const cosine: Check = (v) => (typeof v === 'number' && v >= -1 && v <= 1 ? undefined : 'a number in [-1, 1]');
const aboveOne: Check = (v) => (typeof v === 'number' && v > 1 && Number.isFinite(v) ? undefined : 'a number > 1');

const CHECKS: Record<string, Check> = {
  epochs: nonNegativeInteger, batchSize: positiveInteger, stepsPerEpoch: optional(positiveInteger), lrDecay: decay,
  lr: positive, lrKey: positive, beta1: unitInterval, beta2: unitInterval, alpha: nonNegative,
  lp: oneOf(1, 2), theory: boolean, angleTerm: oneOf('orthogonal', 'cosine', 'exact'), cosineTarget: cosine, cosineWeight: nonNegative,
  normLimit: positive, maxAttempts: positiveInteger, objective: oneOf('hinge', 'shift', 'projected'), projectionMargin: positive, scoreCeiling: nonNegative, trainMode: oneOf('train', 'eval'), checkSamples: positiveInteger,
  probability, othersWeight: nonNegative, othersMargin: nonNegative, keepBest: boolean, ema: unitInterval,
};
const SHIFT_CHECKS: Record<string, Check> = {
  delta: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'a number in (0, 1)'), growth: aboveOne,
  dmaxSamples: optional(positiveInteger), stopWhenDistinguishable: boolean,
};

function validate(stage: string, options: Record<string, unknown>): void {
  if ((stage === 'first' || stage === 'robust') && options.objective === 'shift') throw new Error(`${stage} option objective: got "shift", expected "hinge" or "projected"`);
  for (const [name, value] of Object.entries(options)) {
    if (name === 'shift') {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const problem = SHIFT_CHECKS[key]!(inner);
        if (problem) throw new Error(`${stage} option shift.${key}: got ${JSON.stringify(inner)}, expected ${problem}`);
      }
      continue;
    }
    const problem = CHECKS[name]?.(value);
    if (problem) throw new Error(`${stage} option ${name}: got ${JSON.stringify(value)}, expected ${problem}`);
  }
}
