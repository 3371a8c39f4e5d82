import { createRequire } from 'node:module';
import { encodeModule, FunctionWriter, type Local } from './wasm-emitter.js';
import { perMemory, webAssembly, type WasmMemory } from './webassembly.js';

/** Output rows per register tile: 6 rows x 8 columns = 12 accumulators, 15 of the 16 vector registers. */
export const TILE_ROWS = 6;
/** Output columns per register tile (two 4-lane vectors). */
export const TILE_COLUMNS = 8;
/** Input channels per unrolled step of the inner loop. */
const UNROLL = 4;

/**
 * The kernel's export: out[row][col] = act(bias[col] + sum over taps t and channels c of
 * input(row, t)[c] * packed(t, c)[col]), for rowTiles tiles of TILE_ROWS rows and columnTiles
 * tiles of TILE_COLUMNS columns. Addresses are bytes in the memory; the two tables hold offsets,
 * so a convolution's tables depend only on its shapes and can be kept:
 * - indirection: per row tile, per tap, TILE_ROWS i32 offsets from `inputBase` of the row's
 *   input pixel for that tap (`depth` floats), or -1 for the `zero` vector (padding);
 * - outRows: per row tile, TILE_ROWS i32 offsets from `outputBase` of the rows' outputs (any layout);
 * - packed: per column tile, taps * depth rows of TILE_COLUMNS floats;
 * - bias: columnTiles * TILE_COLUMNS floats.
 * A row may appear twice (a short last tile repeats its last row): it is written twice, alike.
 * rowTiles, taps and columnTiles must be at least 1 (those loops test at their end).
 */
export type IndirectGemm = (
  indirection: number, outRows: number, packed: number, bias: number,
  rowTiles: number, taps: number, depth: number, columnTiles: number, relu: number,
  inputBase: number, zero: number, outputBase: number,
) => void;

const PARAMS = 12;

/**
 * Writes the kernel, an indirect matrix product (a convolution without an im2col copy: each
 * output row reads its input pixels through a table). With `fused`, each step is relaxed SIMD's
 * multiply-add (one fused instruction on x86 with FMA); without, a multiply then an add, as
 * XNNPACK's wasm kernels do.
 */
function writeKernel(fused: boolean): FunctionWriter {
  const f = new FunctionWriter('igemm', PARAMS);
  const [indirection, outRows, packed, bias, rowTiles, taps, depth, columnTiles, relu, inputBase, zero, outputBase] =
    Array.from({ length: PARAMS }, (_, i) => f.param(i)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const offset = f.local('i32');
  const rowTile = f.local('i32');
  const indBase = f.local('i32');
  const outBase = f.local('i32');
  const column = f.local('i32');
  const columnOffset = f.local('i32');
  const b = f.local('i32');
  const tapPointer = f.local('i32');
  const tapsLeft = f.local('i32');
  const k = f.local('i32');
  const rows = Array.from({ length: TILE_ROWS }, () => f.local('i32'));
  const acc = Array.from({ length: TILE_ROWS * 2 }, () => f.local('v128'));
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const a = f.local('v128');

  const step = (unroll: number): void => {
    for (let u = 0; u < unroll; u++) {
      f.get(b).v128Load(u * 32).set(b0);
      f.get(b).v128Load(u * 32 + 16).set(b1);
      rows.forEach((row, r) => {
        f.get(row).load32Splat(u * 4).set(a);
        for (const [i, bv] of [[0, b0], [1, b1]] as const) {
          const target = acc[r * 2 + i]!;
          if (fused) f.get(a).get(bv).get(target).f32x4RelaxedMadd();
          else f.get(a).get(bv).f32x4Mul().get(target).f32x4Add();
          f.set(target);
        }
      });
    }
    for (const row of rows) f.increment(row, unroll * 4);
    f.increment(b, unroll * 32).increment(k, -unroll);
  };

  f.i32(0).set(rowTile).get(indirection).set(indBase).get(outRows).set(outBase);
  f.loop(() => {
    f.i32(0).set(column).i32(0).set(columnOffset).get(packed).set(b);
    f.loop(() => {
      acc.forEach((target, i) => f.get(bias).get(columnOffset).add().v128Load((i % 2) * 16).set(target));
      f.get(indBase).set(tapPointer).get(taps).set(tapsLeft);
      f.loop(() => {
        rows.forEach((row, r) => {
          f.get(zero).get(tapPointer).loadI32(r * 4).tee(offset).get(inputBase).add();
          f.get(offset).i32(-1).eq().select().set(row);
        });
        f.get(depth).set(k);
        f.block(() => f.loop(() => {
          f.get(k).i32(UNROLL).ltU().brIf(1);
          step(UNROLL);
          f.br(0);
        }));
        f.block(() => f.loop(() => {
          f.get(k).eqz().brIf(1);
          step(1);
          f.br(0);
        }));
        f.increment(tapPointer, TILE_ROWS * 4);
        f.get(tapsLeft).i32(1).sub().tee(tapsLeft).brIf(0);
      });
      f.get(relu).ifThen(() => {
        for (const target of acc) f.get(target).v128Zero().f32x4Max().set(target);
      });
      rows.forEach((_, r) => {
        for (let i = 0; i < 2; i++) {
          f.get(outBase).loadI32(r * 4).get(outputBase).add().get(columnOffset).add().get(acc[r * 2 + i]!).v128Store(i * 16);
        }
      });
      f.increment(columnOffset, TILE_COLUMNS * 4);
      f.get(column).i32(1).add().tee(column).get(columnTiles).ltU().brIf(0);
    });
    f.get(indBase).get(taps).i32(TILE_ROWS * 4).mul().add().set(indBase);
    f.increment(outBase, TILE_ROWS * 4);
    f.get(rowTile).i32(1).add().tee(rowTile).get(rowTiles).ltU().brIf(0);
  });
  return f;
}

/** Whether this engine compiles relaxed SIMD, turning on Node 20's flag for it if needed (V8 12 has it on). */
function relaxedSimdAvailable(): boolean {
  const probe = new FunctionWriter('probe', 0);
  const value = probe.local('v128');
  probe.v128Zero().v128Zero().v128Zero().f32x4RelaxedMadd().set(value);
  const bytes = encodeModule([probe]);
  if (webAssembly.validate(bytes)) return true;
  try {
    const v8 = createRequire(import.meta.url)('node:v8') as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return webAssembly.validate(bytes);
}

let compiled: { readonly module: object; readonly fused: boolean } | undefined;

function compiledKernel(): { readonly module: object; readonly fused: boolean } {
  if (compiled === undefined) {
    const fused = relaxedSimdAvailable();
    compiled = { module: compileIndirectGemm(fused), fused };
  }
  return compiled;
}

/** The kernel's compiled module, fused or not (tests run both). */
export function compileIndirectGemm(fused: boolean): object {
  if (fused && !relaxedSimdAvailable()) throw new Error('this engine has no relaxed SIMD: the fused kernel cannot be compiled');
  return new webAssembly.Module(encodeModule([writeKernel(fused)]));
}

/** `module` (from {@link compileIndirectGemm}) on `memory`. */
export function instantiateIndirectGemm(module: object, memory: WasmMemory): IndirectGemm {
  return new webAssembly.Instance(module, { env: { memory } }).exports.igemm as IndirectGemm;
}

/** Whether the kernel multiplies and adds in one instruction (relaxed SIMD) on this engine. */
export function indirectGemmIsFused(): boolean {
  return compiledKernel().fused;
}

/** The kernel working on `memory` (the wasm backend's heap), instantiated once per memory. */
export const indirectGemmOn: (memory: WasmMemory) => IndirectGemm = perMemory((memory) => instantiateIndirectGemm(compiledKernel().module, memory));
