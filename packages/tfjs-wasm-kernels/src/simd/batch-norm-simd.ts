import { encodeModule, FunctionWriter, type Local } from './wasm-emitter.js';
import { perMemory, webAssembly, type WasmMemory } from './webassembly.js';

/**
 * Batch norm's passes over a [rows, channels] float32 array (for the SIMD ones, channels a
 * multiple of 4 and rows at least 1); all addresses are bytes. Per-channel arrays are float32 (`...32`) or float64 (`...64`).
 * Sums are float64: each group of 4 floats is promoted to two f64x2 before it is added.
 */
export interface BatchNormPasses {
  /** sum64 += x - shift64 and squares64 += (x - shift64)^2, per channel. */
  moments(x: number, rows: number, channels: number, shift64: number, sum64: number, squares64: number): void;
  /** y = (x - mean32) * scale32 + beta32, then max(y, 0) with `relu`. */
  affine(x: number, y: number, rows: number, channels: number, mean32: number, scale32: number, beta32: number, relu: number): void;
  /** With g = dy (zero where y <= 0 with `relu`): sumG64 += g and sumGX64 += g * (x - mean64). */
  gradientSums(dy: number, x: number, y: number, rows: number, channels: number, mean64: number, sumG64: number, sumGX64: number, relu: number): void;
  /** dx = a32 * (g - gMean32) + b32 * (x - mean32), g as in {@link gradientSums}. */
  inputGradient(dy: number, x: number, y: number, dx: number, rows: number, channels: number, mean32: number, gMean32: number, a32: number, b32: number, relu: number): void;
}

/**
 * The loops of every pass: row by row, 4 channels at a time; `streams` are pointers into the
 * [rows, channels] arrays (advanced by 16 bytes per group), `body` gets the group's byte offset
 * within a row of float32 per-channel values.
 */
function overRows(f: FunctionWriter, rows: Local, channels: Local, streams: readonly Local[], body: (channel: Local) => void): void {
  const channel = f.local('i32');
  const rowBytes = f.local('i32');
  f.get(channels).i32(4).mul().set(rowBytes);
  f.loop(() => {
    f.i32(0).set(channel);
    f.loop(() => {
      body(channel);
      for (const stream of streams) f.increment(stream, 16);
      f.increment(channel, 16);
      f.get(channel).get(rowBytes).ltU().brIf(0);
    });
    f.get(rows).i32(1).sub().tee(rows).brIf(0);
  });
}

/** Pushes `base + 2 * channel + extra`: the float64 pair of a group's first (extra 0) or last two channels (16). */
function at64(f: FunctionWriter, base: Local, channel: Local, extra: number): FunctionWriter {
  return f.get(base).get(channel).i32(2).mul().add().i32(extra).add();
}

/** The f64x2 at {@link at64} += what `value` pushes. */
function accumulate(f: FunctionWriter, base: Local, channel: Local, extra: number, value: () => void): void {
  at64(f, base, channel, extra);
  at64(f, base, channel, extra).v128Load();
  value();
  f.f64x2Add().v128Store();
}

function params(f: FunctionWriter, count: number): Local[] {
  return Array.from({ length: count }, (_, i) => f.param(i));
}

function writeMoments(): FunctionWriter {
  const f = new FunctionWriter('moments', 6);
  const [x, rows, channels, shift, sum, squares] = params(f, 6) as [Local, Local, Local, Local, Local, Local];
  const v = f.local('v128');
  const lo = f.local('v128');
  const hi = f.local('v128');
  overRows(f, rows, channels, [x], (c) => {
    f.get(x).v128Load().set(v);
    f.get(v).f64x2PromoteLow();
    at64(f, shift, c, 0).v128Load().f64x2Sub().set(lo);
    f.highHalfOf(v).f64x2PromoteLow();
    at64(f, shift, c, 16).v128Load().f64x2Sub().set(hi);
    accumulate(f, sum, c, 0, () => f.get(lo));
    accumulate(f, sum, c, 16, () => f.get(hi));
    accumulate(f, squares, c, 0, () => f.get(lo).get(lo).f64x2Mul());
    accumulate(f, squares, c, 16, () => f.get(hi).get(hi).f64x2Mul());
  });
  return f;
}

function writeAffine(): FunctionWriter {
  const f = new FunctionWriter('affine', 8);
  const [x, y, rows, channels, mean, scale, beta, relu] = params(f, 8) as [Local, Local, Local, Local, Local, Local, Local, Local];
  const floor = f.local('v128');
  const value = f.local('v128');
  overRows(f, rows, channels, [x, y], (c) => {
    f.get(x).v128Load().get(mean).get(c).add().v128Load().f32x4Sub();
    f.get(scale).get(c).add().v128Load().f32x4Mul();
    f.get(beta).get(c).add().v128Load().f32x4Add().set(value);
    f.get(relu).ifThen(() => f.get(value).get(floor).f32x4Max().set(value));
    f.get(y).get(value).v128Store();
  });
  return f;
}

/** Pushes dy's group, masked to y > 0 with `relu`. */
function maskedGradient(f: FunctionWriter, dy: Local, y: Local, relu: Local, zero: Local, g: Local): void {
  f.get(dy).v128Load().set(g);
  f.get(relu).ifThen(() => f.get(g).get(y).v128Load().get(zero).f32x4Gt().v128And().set(g));
}

function writeGradientSums(): FunctionWriter {
  const f = new FunctionWriter('gradientSums', 9);
  const [dy, x, y, rows, channels, mean, sumG, sumGX, relu] = params(f, 9) as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const zero = f.local('v128');
  const g = f.local('v128');
  const v = f.local('v128');
  const gLo = f.local('v128');
  const gHi = f.local('v128');
  overRows(f, rows, channels, [dy, x, y], (c) => {
    maskedGradient(f, dy, y, relu, zero, g);
    f.get(x).v128Load().set(v);
    f.get(g).f64x2PromoteLow().set(gLo);
    f.highHalfOf(g).f64x2PromoteLow().set(gHi);
    accumulate(f, sumG, c, 0, () => f.get(gLo));
    accumulate(f, sumG, c, 16, () => f.get(gHi));
    accumulate(f, sumGX, c, 0, () => {
      f.get(v).f64x2PromoteLow();
      at64(f, mean, c, 0).v128Load().f64x2Sub().get(gLo).f64x2Mul();
    });
    accumulate(f, sumGX, c, 16, () => {
      f.highHalfOf(v).f64x2PromoteLow();
      at64(f, mean, c, 16).v128Load().f64x2Sub().get(gHi).f64x2Mul();
    });
  });
  return f;
}

function writeInputGradient(): FunctionWriter {
  const f = new FunctionWriter('inputGradient', 11);
  const [dy, x, y, dx, rows, channels, mean, gMean, a, b, relu] = params(f, 11) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const zero = f.local('v128');
  const g = f.local('v128');
  overRows(f, rows, channels, [dy, x, y, dx], (c) => {
    maskedGradient(f, dy, y, relu, zero, g);
    f.get(dx);
    f.get(g).get(gMean).get(c).add().v128Load().f32x4Sub().get(a).get(c).add().v128Load().f32x4Mul();
    f.get(x).v128Load().get(mean).get(c).add().v128Load().f32x4Sub().get(b).get(c).add().v128Load().f32x4Mul();
    f.f32x4Add();
    f.v128Store();
  });
  return f;
}

let compiled: object | undefined;

/** The passes working on `memory` (the wasm backend's heap), instantiated once per memory. */
export const batchNormPassesOn: (memory: WasmMemory) => BatchNormPasses = perMemory((memory) => {
  compiled ??= new webAssembly.Module(encodeModule([writeMoments(), writeAffine(), writeGradientSums(), writeInputGradient()]));
  return new webAssembly.Instance(compiled, { env: { memory } }).exports as unknown as BatchNormPasses;
});
