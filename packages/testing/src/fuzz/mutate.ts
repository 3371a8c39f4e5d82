/** A seeded generator (mulberry32): the same seed gives the same cases on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values a damaged or hostile length field takes: huge, negative as signed, zero, just past the end. */
const LENGTHS = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffa, 0, 1, 0x10000000];

/** One mutation of `valid`: a kind and the damaged bytes. */
export interface Mutation {
  readonly kind: string;
  readonly bytes: Uint8Array;
}

/**
 * The mutations of the fuzz suite: `count` seeded damages of a valid file, cycling through byte
 * flips (1 to 4 bytes), truncations, and 32-bit fields set to huge, negative or zero lengths
 * (little- and big-endian, at any offset), plus insertion and deletion of a byte run.
 */
export function mutations(valid: Uint8Array, count: number, seed: number): Mutation[] {
  const random = seeded(seed);
  const at = (n = valid.length): number => Math.floor(random() * n);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = valid.slice();
    switch (i % 5) {
      case 0: {
        const flips = 1 + at(4);
        for (let f = 0; f < flips; f++) bytes[at()] ^= 1 << at(8);
        out.push({ kind: 'flip', bytes });
        break;
      }
      case 1:
        out.push({ kind: 'truncate', bytes: valid.slice(0, at()) });
        break;
      case 2: {
        const position = at(Math.max(1, valid.length - 3));
        const value = LENGTHS[at(LENGTHS.length)]!;
        new DataView(bytes.buffer).setUint32(position, value, random() < 0.5);
        out.push({ kind: 'length', bytes });
        break;
      }
      case 3: {
        // A field near the start, where headers and their lengths live.
        const position = at(Math.min(valid.length - 3, 64));
        new DataView(bytes.buffer).setUint32(Math.max(0, position), LENGTHS[at(LENGTHS.length)]!, random() < 0.5);
        out.push({ kind: 'header-length', bytes });
        break;
      }
      default: {
        const position = at();
        const run = Uint8Array.from({ length: 1 + at(16) }, () => at(256));
        const insert = random() < 0.5;
        const joined = insert
          ? Buffer.concat([valid.subarray(0, position), run, valid.subarray(position)])
          : Buffer.concat([valid.subarray(0, position), valid.subarray(Math.min(valid.length, position + run.length))]);
        out.push({ kind: insert ? 'insert' : 'delete', bytes: new Uint8Array(joined) });
      }
    }
  }
  return out;
}

/** Mutations of a JSON document's values: every number, string and list set to hostile values in turn. */
export function jsonMutations(document: unknown, seed: number, count: number): string[] {
  const random = seeded(seed);
  const hostile: unknown[] = [-6, -1, 0, 1e18, 2 ** 31, 1.5, NaN, null, '', 'x', [], {}, [1e9], [-1, 4], true, '../../etc/passwd'];
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
    }
  };
  walk(document, []);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const copy = structuredClone(document) as Record<string | number, unknown>;
    const path = paths[1 + Math.floor(random() * (paths.length - 1))]!;
    let parent: Record<string | number, unknown> = copy;
    for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (random() < 0.15) delete parent[last];
    else parent[last] = hostile[Math.floor(random() * hostile.length)];
    out.push(JSON.stringify(copy));
  }
  return out;
}
