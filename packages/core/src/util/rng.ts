import type { Rng } from '../contracts/rng.js';

// FNV-1a over the label's characters, folded into the parent seed: stable across platforms.
function mixLabel(seed: number, label: string | number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const text = String(label);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A small, fast, seedable generator (mulberry32) with a Box-Muller normal. */
class Mulberry32 implements Rng {
  private state: number;
  private spareNormal: number | undefined;

  constructor(private readonly origin: number) {
    this.state = origin >>> 0;
  }

  private nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`rng.int expects a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  seed(): number {
    return this.nextUint32();
  }

  fork(label: string | number): Rng {
    return new Mulberry32(mixLabel(this.origin, label));
  }
}

/** A seeded {@link Rng}. Equal seeds give equal streams on every platform. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  return new Mulberry32(Math.trunc(seed) >>> 0);
}

/** A Fisher-Yates permutation of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
