import { DEFAULT_OPTIONS, RunFolder, STAGE_OPTION_INFO, type GeneratorAdapter, type PluginHost, type OptionsInput, type StageName, type StageOptions } from '@attrib/core';
import { Flags, type Interfaces } from '@oclif/core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFlag = Interfaces.Flag<any>;

/** How one hyper-parameter flag maps to a stage option (its kind and summary: core's STAGE_OPTION_INFO). */
interface OptionFlag {
  /** Engine option name (also the config file key). */
  readonly option: string;
  readonly flag: string;
  /** For the generators stage: the option lives in `shift`. */
  readonly shift?: boolean;
}

const COMMON: OptionFlag[] = [
  { option: 'epochs', flag: 'epochs' },
  { option: 'batchSize', flag: 'batch-size' },
  { option: 'stepsPerEpoch', flag: 'steps-per-epoch' },
  { option: 'lrDecay', flag: 'lr-decay' },
];
const GENERATOR: OptionFlag[] = [
  { option: 'lr', flag: 'lr' },
  { option: 'beta1', flag: 'beta1' },
  { option: 'alpha', flag: 'alpha' },
  { option: 'lp', flag: 'lp' },
  { option: 'checkSamples', flag: 'check-samples' },
];
const KEEP_BEST: OptionFlag = { option: 'keepBest', flag: 'keep-best' };
const PROJECTION: OptionFlag[] = [
  { option: 'projectionMargin', flag: 'projection-margin' },
  { option: 'trainMode', flag: 'train-mode' },
];
const KEY: OptionFlag[] = [
  { option: 'lrKey', flag: 'lr-key' },
  { option: 'theory', flag: 'theory' },
];

/** The flags of each stage, beyond the command's own. */
export const STAGE_FLAGS: Record<StageName, readonly OptionFlag[]> = {
  first: [
    ...COMMON, ...GENERATOR, ...KEY, KEEP_BEST, ...PROJECTION,
    { option: 'objective', flag: 'objective' },
    { option: 'ema', flag: 'ema' },
  ],
  keys: [
    ...COMMON, ...KEY,
    { option: 'angleTerm', flag: 'angle' },
    { option: 'cosineTarget', flag: 'cosine-target' },
    { option: 'cosineWeight', flag: 'cosine-weight' },
    { option: 'normLimit', flag: 'norm-limit' },
    { option: 'maxAttempts', flag: 'max-attempts' },
  ],
  generators: [
    ...COMMON, ...GENERATOR, KEEP_BEST,
    { option: 'objective', flag: 'objective' },
    ...PROJECTION,
    { option: 'othersWeight', flag: 'others-weight' },
    { option: 'ema', flag: 'ema' },
    { option: 'delta', flag: 'delta', shift: true },
    { option: 'growth', flag: 'growth', shift: true },
    { option: 'dmaxSamples', flag: 'dmax-samples', shift: true },
    { option: 'stopWhenDistinguishable', flag: 'early-stop', shift: true },
  ],
  robust: [
    ...COMMON, ...GENERATOR,
    { option: 'probability', flag: 'probability' },
    { option: 'othersWeight', flag: 'others-weight' },
    { option: 'othersMargin', flag: 'others-margin' },
    { option: 'ema', flag: 'ema' },
    { option: 'objective', flag: 'objective' },
    ...PROJECTION,
  ],
};

/** oclif flag definitions of a stage's options (no defaults: "not given" must be visible). */
export function stageFlags(stage: StageName): Record<string, AnyFlag> {
  const defaults = DEFAULT_OPTIONS[stage] as unknown as Record<string, unknown>;
  const shiftDefaults = (DEFAULT_OPTIONS.generators.shift as unknown as Record<string, unknown>);
  const out: Record<string, AnyFlag> = {};
  for (const spec of STAGE_FLAGS[stage]) {
    const fallback = spec.shift ? shiftDefaults[spec.option] : defaults[spec.option];
    const info = STAGE_OPTION_INFO[spec.option]!;
    const summary = `${info.summary} Default: ${fallback === undefined ? 'none' : JSON.stringify(fallback)}.`;
    out[spec.flag] = info.kind === 'boolean'
      ? Flags.boolean({ summary, helpGroup: 'TRAINING', allowNo: true })
      : Flags.string({ summary, helpGroup: 'TRAINING', ...(info.choices ? { options: [...info.choices] } : {}) });
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
    const { kind } = STAGE_OPTION_INFO[spec.option]!;
    given[spec.option] = kind === 'number' || kind === 'integer' ? parseNumberFlag(spec.flag, String(raw), kind === 'integer') : raw;
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
