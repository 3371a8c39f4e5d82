/**
 * The ceiling of attrib's matrix product on this machine: its 6x8 register tile on a problem held
 * in the L1 cache (one row tile reading 6 input rows, 2 column tiles, depth 256), called in a loop,
 * so that memory plays no part. The DCGAN layers' rates in `layers.ts` can be read against it: what
 * separates them from the ceiling is memory traffic and tables, what separates the ceiling from
 * PyTorch is the vector width (wasm has 128-bit vectors; PyTorch uses AVX-512 where the processor
 * has it). Not a test:
 *   npx tsx --conditions=source packages/cli/scripts/bench/product-ceiling.ts
 */
// The kernel is core's internal module (not part of its API), imported from its source.
import { compileIndirectGemm, indirectGemmIsFused, instantiateIndirectGemm, TILE_COLUMNS, TILE_ROWS } from '@attrib/tfjs-wasm-kernels';
import { webAssembly } from '@attrib/tfjs-wasm-kernels';

const DEPTH = 256;
const COLUMN_TILES = 2;
const CALLS = 20_000;

function rate(fused: boolean): number {
  const memory = new webAssembly.Memory({ initial: 2 });
  const floats = new Float32Array(memory.buffer);
  const ints = new Int32Array(memory.buffer);
  // Byte addresses: the input rows, the zero row, the panels, the bias, the output, then the tables.
  const input = 64;
  const zero = input + TILE_ROWS * DEPTH * 4;
  const packed = zero + DEPTH * 4;
  const bias = packed + COLUMN_TILES * DEPTH * TILE_COLUMNS * 4;
  const output = bias + COLUMN_TILES * TILE_COLUMNS * 4;
  const indirection = output + TILE_ROWS * COLUMN_TILES * TILE_COLUMNS * 4;
  const outRows = indirection + TILE_ROWS * 4;
  for (let i = input / 4; i < bias / 4; i++) floats[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  floats.fill(0, zero / 4, packed / 4);
  for (let r = 0; r < TILE_ROWS; r++) {
    ints[indirection / 4 + r] = r * DEPTH * 4;
    ints[outRows / 4 + r] = r * COLUMN_TILES * TILE_COLUMNS * 4;
  }
  const gemm = instantiateIndirectGemm(compileIndirectGemm(fused), memory);
  const call = (): void => gemm(indirection, outRows, packed, bias, 1, 1, DEPTH, COLUMN_TILES, 0, input, zero, output);
  for (let i = 0; i < CALLS; i++) call();
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) call();
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, (2 * TILE_ROWS * DEPTH * COLUMN_TILES * TILE_COLUMNS * CALLS) / seconds / 1e9);
  }
  return best;
}

const fused = indirectGemmIsFused();
console.log(`the product's ceiling (6x8 tile, L1-resident, best of 5 x ${CALLS} calls): ${rate(fused).toFixed(1)} GFLOP/s ${fused ? 'with fused multiply-adds' : 'without fused multiply-adds (no relaxed SIMD here)'}`);
if (fused) console.log(`built with a multiply, then an add: ${rate(false).toFixed(1)} GFLOP/s`);
