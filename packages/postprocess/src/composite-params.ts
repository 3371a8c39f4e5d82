import type { ParamValue } from '@attrib/core';
import { numberParam, paramError, type ParamValues, type Specs } from './params.js';

/** What a chain needs of each part's parameter table (a `ParamTable`). */
interface PartTable {
  readonly specs: Specs;
  readonly defaults: Readonly<Record<string, ParamValue>>;
  read(owner: string, given?: Readonly<Record<string, unknown>>, prefix?: string): Readonly<Record<string, ParamValue>>;
}

/**
 * The parameters of a chain of post-processes, flattened to `part.name` keys (`blur.sigma`,
 * `noise.trainStdRange`, ...) plus `probability`, the chance that training applies each part.
 */
export class CompositeParams<T extends Record<string, PartTable>> {
  private readonly probability = numberParam(0.5, 'a number in [0, 1]', (n) => n >= 0 && n <= 1);

  constructor(readonly parts: T) {}

  /** Every flattened default. */
  get defaults(): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = { probability: this.probability.default };
    for (const [part, table] of Object.entries(this.parts)) {
      for (const [name, value] of Object.entries(table.defaults)) {
        out[`${part}.${name}`] = value;
      }
    }
    return out;
  }

  /** Splits `given` by part and validates each; errors name `owner` and the flattened key. */
  read(owner: string, given: Readonly<Record<string, unknown>> = {}): {
    probability: number;
    parts: { [K in keyof T]: ParamValues<T[K]['specs']> };
  } {
    const perPart: Record<string, Record<string, unknown>> = {};
    for (const part of Object.keys(this.parts)) perPart[part] = {};
    let probability = this.probability.default;
    for (const [key, value] of Object.entries(given)) {
      if (key === 'probability') {
        const parsed = this.probability.parse(value);
        if (parsed === undefined) paramError(owner, 'probability', this.probability.expected, value);
        probability = parsed;
        continue;
      }
      const dot = key.indexOf('.');
      const part = dot < 0 ? '' : key.slice(0, dot);
      if (!Object.hasOwn(this.parts, part)) {
        const known = ['probability', ...Object.keys(this.parts).map((p) => `${p}.*`)].join(', ');
        throw new Error(`${owner}: unknown parameter "${key}" (expected one of: ${known})`);
      }
      perPart[part]![key.slice(dot + 1)] = value;
    }
    const parts: Record<string, unknown> = {};
    for (const [part, table] of Object.entries(this.parts)) parts[part] = table.read(owner, perPart[part], `${part}.`);
    return { probability, parts: parts as { [K in keyof T]: ParamValues<T[K]['specs']> } };
  }
}
