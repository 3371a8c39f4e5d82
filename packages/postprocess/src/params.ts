import type { ParamValue } from '@attrib/core';

/**
 * One parameter of a post-process: its default, a check of a user value, and how a valid value
 * is described in error messages.
 */
export interface ParamSpec<T extends ParamValue = ParamValue> {
  readonly default: T;
  /** What a valid value is, completing "expected ...": `a number > 0`, `'4:2:0' or '4:4:4'`. */
  readonly expected: string;
  /** The value as `T`, or `undefined` when it is not valid. */
  parse(value: unknown): T | undefined;
}

/** Parameter specifications by name. */
export type Specs = Record<string, ParamSpec>;
export type ParamValues<S extends Specs> = { readonly [K in keyof S]: S[K]['default'] };

/** Throws the one-line error of a post-process parameter that is not what was expected. */
export function paramError(owner: string, name: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : `, got ${JSON.stringify(got) ?? String(got)}`;
  throw new Error(`${owner}: parameter "${name}" expects ${expected}${shown}`);
}

/**
 * The parameters of one post-process: defaults, validation of user values, and a consistency
 * check across parameters (say, two lists of the same length).
 */
export class ParamTable<S extends Specs> {
  constructor(
    readonly specs: S,
    private readonly crossCheck: (values: ParamValues<S>, fail: (name: keyof S & string, expected: string) => never) => void = () => {},
  ) {}

  /** Every parameter's default. */
  get defaults(): ParamValues<S> {
    const out: Record<string, ParamValue> = {};
    for (const [name, spec] of Object.entries(this.specs)) out[name] = spec.default;
    return out as ParamValues<S>;
  }

  /** The same table with other defaults (the noise of the combination has a smaller range). */
  withDefaults(overrides: Partial<ParamValues<S>>): ParamTable<S> {
    const specs: Record<string, ParamSpec> = { ...this.specs };
    for (const [name, value] of Object.entries(overrides)) {
      const spec = specs[name];
      if (spec === undefined) throw new Error(`withDefaults: no parameter "${name}"`);
      specs[name] = { ...spec, default: value as ParamValue };
    }
    return new ParamTable(specs as S, this.crossCheck);
  }

  /**
   * Defaults overridden by `given`. An unknown name or an invalid value throws an error that
   * names `owner`, the parameter (with `prefix`, as the user wrote it) and what was expected.
   */
  read(owner: string, given: Readonly<Record<string, unknown>> = {}, prefix = ''): ParamValues<S> {
    const values: Record<string, ParamValue> = {};
    for (const name of Object.keys(given)) {
      if (!Object.hasOwn(this.specs, name)) {
        const known = Object.keys(this.specs).map((n) => prefix + n).join(', ');
        throw new Error(`${owner}: unknown parameter "${prefix}${name}" (expected one of: ${known})`);
      }
    }
    for (const [name, spec] of Object.entries(this.specs)) {
      if (!Object.hasOwn(given, name) || given[name] === undefined) {
        values[name] = spec.default;
        continue;
      }
      const parsed = spec.parse(given[name]);
      if (parsed === undefined) paramError(owner, prefix + name, spec.expected, given[name]);
      values[name] = parsed;
    }
    const typed = values as ParamValues<S>;
    this.crossCheck(typed, (name, expected) => paramError(owner, prefix + name, expected));
    return typed;
  }
}

/** A number, or a string holding one (as a command line gives it). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A list of numbers, or a string of comma-separated numbers. */
function toNumberList(value: unknown): number[] | undefined {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items)) return undefined;
  const out: number[] = [];
  for (const item of items) {
    const n = toNumber(item);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/** A number accepted by `accept`. */
export function numberParam(
  value: number,
  expected: string,
  accept: (n: number) => boolean,
): ParamSpec<number> {
  return {
    default: value,
    expected,
    parse: (raw) => {
      const n = toNumber(raw);
      return n !== undefined && accept(n) ? n : undefined;
    },
  };
}

/** An integer accepted by `accept`. */
export function integerParam(value: number, expected: string, accept: (n: number) => boolean): ParamSpec<number> {
  return numberParam(value, expected, (n) => Number.isInteger(n) && accept(n));
}

/** A list of numbers of a fixed or free length, each accepted by `accept`. */
export function listParam(
  value: readonly number[],
  expected: string,
  accept: (n: number) => boolean,
  length?: number,
): ParamSpec<readonly number[]> {
  return {
    default: value,
    expected,
    parse: (raw) => {
      const list = toNumberList(raw);
      if (list === undefined || list.length === 0) return undefined;
      if (length !== undefined && list.length !== length) return undefined;
      return list.every(accept) ? list : undefined;
    },
  };
}

/** A range [low, high] with min <= low <= high <= max (no upper bound when max is omitted). */
export function rangeParam(value: readonly [number, number], min: number, max = Number.POSITIVE_INFINITY): ParamSpec<readonly number[]> {
  return {
    default: value,
    expected: `[low, high] with ${min} <= low <= high${Number.isFinite(max) ? ` <= ${max}` : ''}`,
    parse: (raw) => {
      const list = toNumberList(raw);
      if (list === undefined || list.length !== 2) return undefined;
      const [low, high] = list as [number, number];
      return min <= low && low <= high && high <= max ? list : undefined;
    },
  };
}

/** One of a few strings. */
export function choiceParam<T extends string>(value: T, choices: readonly T[]): ParamSpec<T> {
  return {
    default: value,
    expected: choices.map((c) => `'${c}'`).join(' or '),
    parse: (raw) => (typeof raw === 'string' && (choices as readonly string[]).includes(raw) ? (raw as T) : undefined),
  };
}
