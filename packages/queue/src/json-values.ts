/**
 * What goes through the queue is JSON, which has no NaN, no infinities, no -0 and no typed
 * arrays; results (metric partials, reports) may hold all of them. `toQueueJson` tags them and
 * `fromQueueJson` restores them, so that a result comes back with exactly its numbers (finite
 * numbers round-trip through JSON text exactly).
 */
const TAG = '$attrib';

type Tagged = { [TAG]: 'number'; value: 'NaN' | 'Infinity' | '-Infinity' | '-0' } | { [TAG]: 'typed'; type: string; values: unknown[] };

const TYPED = {
  Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array,
} as const;

function encodeNumber(value: number): number | Tagged {
  if (Number.isNaN(value)) return { [TAG]: 'number', value: 'NaN' };
  if (value === Infinity) return { [TAG]: 'number', value: 'Infinity' };
  if (value === -Infinity) return { [TAG]: 'number', value: '-Infinity' };
  if (Object.is(value, -0)) return { [TAG]: 'number', value: '-0' };
  return value;
}

/** `value` as JSON-safe data (see the module comment); plain objects, arrays, strings, booleans and null pass as they are. */
export function toQueueJson(value: unknown): unknown {
  if (typeof value === 'number') return encodeNumber(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const type = value.constructor.name;
    if (!(type in TYPED)) throw new Error(`a ${type} cannot be sent through the queue`);
    return { [TAG]: 'typed', type, values: Array.from(value as unknown as ArrayLike<number>, encodeNumber) };
  }
  if (Array.isArray(value)) return value.map(toQueueJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toQueueJson(v)]));
  }
  return value;
}

function decodeNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const tagged = value as { value?: string };
  switch (tagged.value) {
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
    case '-0': return -0;
    default: throw new Error(`not a number from the queue: ${JSON.stringify(value)}`);
  }
}

/** Restores what {@link toQueueJson} encoded. */
export function fromQueueJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromQueueJson);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (record[TAG] === 'number') return decodeNumber(record);
  if (record[TAG] === 'typed') {
    const make = TYPED[record.type as keyof typeof TYPED];
    if (!make) throw new Error(`unknown typed array from the queue: ${String(record.type)}`);
    return make.from((record.values as unknown[]).map(decodeNumber));
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromQueueJson(v)]));
}
