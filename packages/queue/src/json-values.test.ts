import { describe, expect, it } from 'vitest';
import { fromQueueJson, toQueueJson } from './json-values.js';

const roundTrip = (value: unknown): unknown => fromQueueJson(JSON.parse(JSON.stringify(toQueueJson(value))));

describe('values through the queue (JSON text)', () => {
  it('come back with exactly their numbers: NaN, infinities, -0, typed arrays, nested', () => {
    const value = {
      mean: 0.1 + 0.2, tiny: 5e-324, big: Number.MAX_VALUE, nan: NaN, inf: Infinity, ninf: -Infinity, nzero: -0,
      f32: new Float32Array([0.1, -0, NaN, 3.4e38]), f64: new Float64Array([Math.PI, -Infinity]), i32: new Int32Array([-5, 2 ** 31 - 1]),
      nested: [{ a: [1, NaN, 'x', null, true] }],
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.nzero, -0)).toBe(true);
    expect(back.f32).toBeInstanceOf(Float32Array);
    expect(Object.is(back.f32[1], -0)).toBe(true);
    expect(Array.from(new Uint8Array(back.f64.buffer))).toEqual(Array.from(new Uint8Array(value.f64.buffer)));
  });

  it('drop undefined object members as JSON does, and refuse what they cannot carry', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(() => toQueueJson(new BigInt64Array(1))).toThrow('a BigInt64Array cannot be sent through the queue');
  });
});
