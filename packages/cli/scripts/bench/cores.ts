/**
 * How much a second core adds to convolution throughput on the backend in use: the same
 * convolution loop in one process alone, then in two processes side by side. On two cores that
 * are two hyperthreads of one physical core, each process of the pair runs nearly twice slower.
 * Not a test:
 *   npx tsx --conditions=source packages/cli/scripts/bench/cores.ts [--backend B]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@attrib/core';

const ITERATIONS = 40;

/** Milliseconds per call of a DCGAN-sized convolution (8x8x128 maps to 256, 3x3, batch 16), after a warm-up. */
async function convolutionLoop(backend: string | undefined): Promise<number> {
  await selectBackend(backend ? { prefer: backend } : {});
  const x = tf.randomNormal([16, 8, 8, 128]) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, 128, 256]) as tf.Tensor4D;
  // The block body matters: a typed array returned from tf.tidy is walked element by element in
  // search of tensors, which took most of each call's time in an earlier version of this loop.
  const call = (): void => tf.tidy(() => {
    tf.conv2d(x, filter, 1, 'same').dataSync();
  });
  for (let i = 0; i < 5; i++) call();
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) call();
  return (performance.now() - started) / ITERATIONS;
}

function child(backend: string | undefined): Promise<number> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...(backend ? ['--backend', backend] : [])];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => (code === 0 ? resolve(Number(out.trim().split('\n').at(-1))) : reject(new Error(`child exited with ${code}`))));
  });
}

const argv = process.argv.slice(2);
const backendAt = argv.indexOf('--backend');
const backend = backendAt >= 0 ? argv[backendAt + 1] : undefined;
if (argv.includes('--child')) {
  console.log(await convolutionLoop(backend));
} else {
  const alone = await child(backend);
  const pair = await Promise.all([child(backend), child(backend)]);
  const slowdown = (pair[0]! + pair[1]!) / 2 / alone;
  console.log(`one process: ${alone.toFixed(1)} ms per convolution`);
  console.log(`two side by side: ${pair.map((p) => p.toFixed(1)).join(' and ')} ms (each ${slowdown.toFixed(2)}x slower)`);
  console.log(`throughput of two processes over one: ${(2 / slowdown).toFixed(2)}x`);
}
