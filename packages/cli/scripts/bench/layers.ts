/**
 * Per layer, how near the convolutions of one DCGAN-32 keyed-generator step run to the backend's
 * own fastest convolution. The step is the engine's (trainKeyedGenerator, one step, profiled with
 * tf.profile after a warm-up, 5 times, each kernel at its fastest); the reference rate is the
 * best GFLOP/s of the backend's registered Conv2D over the same layer sizes (the gradient
 * convolutions of the generator, and stride-1 3x3 convolutions of each feature map), each call
 * with a fresh filter as in training. Not a test:
 *   npx tsx --conditions=source packages/cli/scripts/bench/layers.ts [--backend B] [--json]
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvTransposeAffine, createRng, LinearKey, selectBackend, trainKeyedGenerator, type StageContext } from '@attrib/core';
import { dataFor, dcgan, MNIST32 } from './models.js';
import { BENCH_SETTINGS } from './settings.js';

/** Profiled steps; each kernel's figure is its fastest. */
const PROFILES = 5;
const CONVOLUTIONS = new Set(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', ConvTransposeAffine]);
const ROLE: Record<string, string> = {
  Conv2DBackpropInput: 'forward (transposed conv)',
  [ConvTransposeAffine]: 'forward (transposed conv, eval batch norm, ReLU)',
  Conv2D: 'input gradient',
  Conv2DBackpropFilter: 'filter gradient',
};

interface KernelRow {
  readonly kernel: string;
  readonly role: string;
  readonly shapes: string;
  readonly calls: number;
  readonly msPerCall: number;
  readonly gflops: number;
  readonly percentOfBest: number;
}

/** Multiply-adds x 2 of a convolution: the low-resolution side's N*H*W times the filter's size. */
function flops(inputShapes: number[][], outputShapes: number[][], name: string): number {
  const filter = name === 'Conv2DBackpropFilter' ? outputShapes[0]! : inputShapes[1]!;
  const maps = [...inputShapes, ...outputShapes].filter((s) => s.length === 4 && s !== filter);
  const positions = Math.min(...maps.map((s) => s[0]! * s[1]! * s[2]!));
  return 2 * positions * filter.reduce((a, b) => a * b, 1);
}

/** Best GFLOP/s of the backend's Conv2D over `cases` (the minimum time of interleaved repeats). */
function bestConv2dRate(cases: ReadonlyArray<{ x: number[]; filter: number[]; stride: number; pad: 'same' | 'valid' }>): { gflops: number; label: string } {
  let best = { gflops: 0, label: '' };
  for (const c of cases) {
    const x = tf.randomNormal(c.x);
    const filter = tf.randomNormal(c.filter);
    const call = (): number => {
      const fresh = tf.add(filter, 0);
      const started = performance.now();
      const out = tf.engine().runKernel('Conv2D', { x, filter: fresh }, {
        strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
      } as never) as tf.Tensor;
      out.dataSync();
      const ms = performance.now() - started;
      const work = flops([c.x, c.filter], [out.shape], 'Conv2D');
      tf.dispose([fresh, out]);
      return work / (ms / 1000) / 1e9;
    };
    call();
    let rate = 0;
    for (let i = 0; i < 10; i++) rate = Math.max(rate, call());
    if (rate > best.gflops) best = { gflops: rate, label: `Conv2D x[${c.x}] filter[${c.filter}] stride ${c.stride}` };
    tf.dispose([x, filter]);
  }
  return best;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const backendIndex = argv.indexOf('--backend');
  const backend = await selectBackend(backendIndex >= 0 ? { prefer: argv[backendIndex + 1]! } : {});
  const shape = MNIST32;
  const root = dcgan(shape);
  const data = await dataFor(shape);
  const key = LinearKey.random('bench', shape, createRng(1));
  const ctx: StageContext = { root, data, rng: createRng(7) };
  const oneStep = async (steps: number): Promise<void> => {
    const { generator } = await trainKeyedGenerator(ctx, key, { epochs: 1, batchSize: BENCH_SETTINGS.generatorBatch, stepsPerEpoch: steps, checkSamples: 1 });
    generator.dispose();
  };
  await oneStep(3);
  // Each profiled step on its own; per kernel the fastest of the profiles (the machine may be shared).
  const batch = BENCH_SETTINGS.generatorBatch;
  const grouped = new Map<string, { kernel: string; shapes: string; calls: number; ms: number; flops: number }>();
  let allKernelMs = Infinity;
  for (let profileRun = 0; profileRun < PROFILES; profileRun++) {
    const profile = await tf.profile(() => oneStep(1));
    allKernelMs = Math.min(allKernelMs, profile.kernels.reduce((sum, k) => sum + Number(k.kernelTimeMs), 0));
    const thisStep = new Map<string, { kernel: string; shapes: string; calls: number; ms: number; flops: number }>();
    for (const k of profile.kernels) {
      const inputs = k.inputShapes as number[][];
      // The step's convolutions have batch 16; the end-of-epoch check's (batch 1) are left out.
      if (!CONVOLUTIONS.has(k.name) || inputs[0]?.[0] !== batch) continue;
      const id = `${k.name} ${JSON.stringify(inputs)}`;
      const entry = thisStep.get(id) ?? { kernel: k.name, shapes: JSON.stringify(inputs), calls: 0, ms: 0, flops: 0 };
      entry.calls += 1;
      entry.ms += Number(k.kernelTimeMs);
      entry.flops += flops(inputs, k.outputShapes as number[][], k.name);
      thisStep.set(id, entry);
    }
    for (const [id, entry] of thisStep) {
      const kept = grouped.get(id);
      if (kept === undefined || entry.ms < kept.ms) grouped.set(id, entry);
    }
  }
  const stepConvMs = [...grouped.values()].reduce((sum, g) => sum + g.ms, 0);
  // The reference: the backend's Conv2D on the generator's gradient convolutions and on 3x3 stride-1 convolutions of its feature maps.
  const cases = [
    { x: [batch, 4, 4, 256], filter: [4, 4, 256, 100], stride: 1, pad: 'valid' as const },
    { x: [batch, 8, 8, 128], filter: [4, 4, 128, 256], stride: 2, pad: 'same' as const },
    { x: [batch, 16, 16, 64], filter: [4, 4, 64, 128], stride: 2, pad: 'same' as const },
    { x: [batch, 32, 32, 1], filter: [4, 4, 1, 64], stride: 2, pad: 'same' as const },
    { x: [batch, 4, 4, 256], filter: [3, 3, 256, 256], stride: 1, pad: 'same' as const },
    { x: [batch, 8, 8, 128], filter: [3, 3, 128, 128], stride: 1, pad: 'same' as const },
    { x: [batch, 16, 16, 64], filter: [3, 3, 64, 64], stride: 1, pad: 'same' as const },
  ];
  const best = bestConv2dRate(cases);
  const rows: KernelRow[] = [...grouped.values()].map((g) => {
    const gflops = g.flops / (g.ms / 1000) / 1e9;
    return { kernel: g.kernel, role: ROLE[g.kernel]!, shapes: g.shapes, calls: g.calls, msPerCall: g.ms / g.calls, gflops, percentOfBest: (100 * gflops) / best.gflops };
  });
  root.dispose();
  key.dispose();
  if (json) {
    console.log(JSON.stringify({ backend: backend.name, bestConv2d: best, stepKernelMs: allKernelMs, convolutionMs: stepConvMs, rows }));
    return;
  }
  console.log(`backend ${backend.name}; the backend's fastest Conv2D here: ${best.gflops.toFixed(1)} GFLOP/s (${best.label})`);
  console.log(`one DCGAN-32 keyed-generator step, fastest of ${PROFILES} profiles: kernels ${allKernelMs.toFixed(1)} ms; convolutions (each at its fastest) ${stepConvMs.toFixed(1)} ms\n`);
  console.log('| kernel | role | input shapes | calls | ms per call | GFLOP/s | % of fastest Conv2D |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.kernel} | ${r.role} | ${r.shapes} | ${r.calls} | ${r.msPerCall.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.percentOfBest.toFixed(0)}% |`);
  }
}

await main();
