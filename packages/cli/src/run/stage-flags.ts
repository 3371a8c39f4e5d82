import { DEFAULT_OPTIONS, RunFolder, type GeneratorAdapter, type PluginHost, type OptionsInput, type StageName, type StageOptions } from '@attrib/core';
import { Flags, type Interfaces } from '@oclif/core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFlag = Interfaces.Flag<any>;

/** How one hyper-parameter flag maps to a stage option. */
interface OptionFlag {
  /** Engine option name (also the config file key). */
  readonly option: string;
  readonly flag: string;
  readonly kind: 'number' | 'integer' | 'boolean' | 'string';
  readonly summary: string;
  readonly choices?: readonly string[];
  /** For the generators stage: the option lives in `shift`. */
  readonly shift?: boolean;
}

const COMMON: OptionFlag[] = [
  { option: 'epochs', flag: 'epochs', kind: 'integer', summary: 'Epochs of training (a pass over the data each).' },
  { option: 'batchSize', flag: 'batch-size', kind: 'integer', summary: 'Batch size.' },
  { option: 'stepsPerEpoch', flag: 'steps-per-epoch', kind: 'integer', summary: 'Caps the steps of an epoch (default: a whole pass over the data).' },
  { option: 'lrDecay', flag: 'lr-decay', kind: 'number', summary: 'Learning rates are multiplied by this after every epoch.' },
];
const GENERATOR: OptionFlag[] = [
  { option: 'lr', flag: 'lr', kind: 'number', summary: 'Adam learning rate of the generator.' },
  { option: 'beta1', flag: 'beta1', kind: 'number', summary: "Adam beta1 of the generator (beta2 is the release's 0.99)." },
  { option: 'alpha', flag: 'alpha', kind: 'number', summary: 'Weight of the distance to the root in the generator loss.' },
  { option: 'lp', flag: 'lp', kind: 'integer', summary: 'Distance to the root: 2 = MSE, 1 = L1.' },
  { option: 'checkSamples', flag: 'check-samples', kind: 'integer', summary: 'Samples of the end-of-epoch check.' },
];
const KEEP_BEST: OptionFlag = {
  option: 'keepBest', flag: 'keep-best', kind: 'boolean',
  summary: "Not in the release: end at the weights of the epoch whose check had the highest distinguishability (--no-keep-best: the last epoch's).",
};
const KEY: OptionFlag[] = [
  { option: 'lrKey', flag: 'lr-key', kind: 'number', summary: 'Adam learning rate of the key.' },
  { option: 'theory', flag: 'theory', kind: 'boolean', summary: 'Theory mode: unit-norm key term; keys start at unit norm.' },
];

/** The flags of each stage, beyond the command's own. */
export const STAGE_FLAGS: Record<StageName, readonly OptionFlag[]> = {
  first: [...COMMON, ...GENERATOR, ...KEY, KEEP_BEST],
  keys: [
    ...COMMON, ...KEY,
    { option: 'angleTerm', flag: 'angle', kind: 'string', choices: ['orthogonal', 'cosine'], summary: 'orthogonal: sum |phi_j.phi|; cosine: 20 |c - cos(phi_j, phi)|.' },
    { option: 'cosineTarget', flag: 'cosine-target', kind: 'number', summary: 'Target cosine c of --angle cosine (0.7 in the release).' },
    { option: 'cosineWeight', flag: 'cosine-weight', kind: 'number', summary: 'Weight of --angle cosine (20 in the release).' },
    { option: 'normLimit', flag: 'norm-limit', kind: 'number', summary: 'Theory mode: keys with a final norm >= this are trained again.' },
    { option: 'maxAttempts', flag: 'max-attempts', kind: 'integer', summary: 'Theory mode: trainings of one key before giving up.' },
  ],
  generators: [
    ...COMMON, ...GENERATOR, KEEP_BEST,
    { option: 'objective', flag: 'objective', kind: 'string', choices: ['hinge', 'shift'], summary: "hinge (the release) or shift (the paper's regression onto G0(z) - gamma u)." },
    { option: 'delta', flag: 'delta', kind: 'number', shift: true, summary: 'shift: target distinguishability is 1 - delta.' },
    { option: 'growth', flag: 'growth', kind: 'number', shift: true, summary: 'shift: gamma is multiplied by this after an epoch that missed the target.' },
    { option: 'dmaxSamples', flag: 'dmax-samples', kind: 'integer', shift: true, summary: 'shift: real images d_max is taken over (default all).' },
    { option: 'stopWhenDistinguishable', flag: 'early-stop', kind: 'boolean', shift: true, summary: 'shift: end at the first epoch reaching 1 - delta (--no-early-stop to train every epoch).' },
  ],
  robust: [
    ...COMMON, ...GENERATOR,
    { option: 'probability', flag: 'probability', kind: 'number', summary: 'Probability that a step applies the post-process.' },
    { option: 'othersWeight', flag: 'others-weight', kind: 'number', summary: 'Not in the release: weight of mean_j h(1 - phi_j.T(G_i(z))) over the other keys, keeping samples authentic under them.' },
  ],
};

/** oclif flag definitions of a stage's options (no defaults: "not given" must be visible). */
export function stageFlags(stage: StageName): Record<string, AnyFlag> {
  const defaults = DEFAULT_OPTIONS[stage] as unknown as Record<string, unknown>;
  const shiftDefaults = (DEFAULT_OPTIONS.generators.shift as unknown as Record<string, unknown>);
  const out: Record<string, AnyFlag> = {};
  for (const spec of STAGE_FLAGS[stage]) {
    const fallback = spec.shift ? shiftDefaults[spec.option] : defaults[spec.option];
    const summary = `${spec.summary} Default: ${fallback === undefined ? 'none' : JSON.stringify(fallback)}.`;
    out[spec.flag] = spec.kind === 'boolean'
      ? Flags.boolean({ summary, helpGroup: 'TRAINING', allowNo: true })
      : Flags.string({ summary, helpGroup: 'TRAINING', ...(spec.choices ? { options: [...spec.choices] } : {}) });
  }
  return out;
}

/** `--profile NAME`: a named set of stage options of the run's adapter. */
export const profileFlag = Flags.string({
  summary: "Training settings the adapter names (paper: the reference release's); the config file and flags override them. Default: none.",
  helpGroup: 'TRAINING',
});

/**
 * The options profile `name` of `adapter` gives `stage` (none without a name). An unknown name is
 * a one-line error listing the adapter's profiles.
 */
export function profileStageOptions<S extends StageName>(adapter: GeneratorAdapter, name: string | undefined, stage: S): OptionsInput<StageOptions[S]> {
  if (name === undefined) return {};
  const profiles = adapter.profiles ?? {};
  const profile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!profile) {
    const names = Object.keys(profiles);
    throw new Error(`--profile ${JSON.stringify(name)}: adapter ${adapter.name} has ${names.length ? `the profiles ${names.join(', ')}` : 'no profiles'}`);
  }
  return (profile.stages[stage] ?? {}) as OptionsInput<StageOptions[S]>;
}

/** {@link profileStageOptions} of the adapter of the run in `dir` (read from its manifest). */
export async function runProfileStageOptions<S extends StageName>(host: PluginHost, dir: string, name: string | undefined, stage: S): Promise<OptionsInput<StageOptions[S]>> {
  if (name === undefined) return {};
  const { adapter } = (await RunFolder.open(dir)).manifest;
  return profileStageOptions(host.adapter(adapter), name, stage);
}

/** A flag's text as a number; a bad one is a one-line error naming the flag. */
export function parseNumberFlag(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new Error(`--${flag} ${JSON.stringify(text)}: expected ${integer ? 'an integer' : 'a number'}`);
  }
  return value;
}

/**
 * The options a stage runs with: each from its flag if given, else the config file's section,
 * else the `profile`'s (see {@link profileStageOptions}), else the engine's default (the engine
 * validates the result). `settings` is the command's flags-over-config merge.
 */
export function stageOptions<S extends StageName>(
  stage: S,
  flags: Readonly<Record<string, unknown>>,
  settings: <T extends Record<string, unknown>>(defaults: T, given: Partial<Record<keyof T, unknown>>, section: string) => T,
  profile: OptionsInput<StageOptions[S]> = {},
): OptionsInput<StageOptions[S]> {
  const given: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const spec of STAGE_FLAGS[stage]) {
    const raw = flags[spec.flag];
    defaults[spec.option] = undefined;
    if (raw === undefined) continue;
    given[spec.option] = spec.kind === 'number' || spec.kind === 'integer' ? parseNumberFlag(spec.flag, String(raw), spec.kind === 'integer') : raw;
  }
  // Every option of the stage may come from the config file (camelCase keys), flags or not.
  for (const name of Object.keys(DEFAULT_OPTIONS[stage])) if (!(name in defaults)) defaults[name] = undefined;
  // The config may also name an option after its flag (`angle` for angleTerm), as --config says.
  const aliases = new Map<string, string>();
  for (const spec of STAGE_FLAGS[stage]) {
    const camel = spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (camel !== spec.option) {
      aliases.set(camel, spec.option);
      defaults[camel] = undefined;
    }
  }
  const merged = settings(defaults, given, stage);
  for (const [alias, option] of aliases) {
    if (merged[alias] !== undefined && merged[option] === undefined) merged[option] = merged[alias];
    delete merged[alias];
  }
  const options: Record<string, unknown> = {};
  const shift: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (value === undefined) continue;
    const spec = STAGE_FLAGS[stage].find((s) => s.option === name);
    if (spec?.shift) shift[name] = value;
    else options[name] = value;
  }
  if (Object.keys(shift).length > 0) options.shift = { ...(options.shift as object | undefined), ...shift };
  const fromProfile = profile as Record<string, unknown>;
  const withProfile: Record<string, unknown> = { ...fromProfile, ...options };
  if (fromProfile.shift !== undefined && options.shift !== undefined) withProfile.shift = { ...(fromProfile.shift as object), ...(options.shift as object) };
  return withProfile as OptionsInput<StageOptions[S]>;
}

/** `NAME` or `NAME:PATH` of an image source; paths are resolved against `base`. */
export function parseSourceSpec(flag: string, spec: string, resolvePath: (path: string) => string): { source: string; path?: string } {
  const colon = spec.indexOf(':');
  if (colon === 0 || spec.trim() === '') throw new Error(`--${flag} ${JSON.stringify(spec)}: expected NAME or NAME:PATH`);
  return colon < 0 ? { source: spec } : { source: spec.slice(0, colon), path: resolvePath(spec.slice(colon + 1)) };
}
