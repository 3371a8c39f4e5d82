/**
 * Runs one benchmark step of ours in this process and prints its timings as the last stdout line
 * (`BENCH-RESULT {json}`). Started by index.ts, one process per step and round, so that each
 * step's peak RSS is its own. Every step runs the engine's and the metrics' own code:
 *   tsx --conditions=source packages/cli/scripts/bench/ours.ts --step NAME --warmup W --repeats R [--epoch-steps N] [--backend B]
 */
import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import {
  attributability, createRng, distinguishability, LinearKey, selectBackend, trainKey, trainKeyedGenerator,
  type ImageShape, type StageContext, type TrainingEvent,
} from '@attrib/core';
import { evaluationSubjects } from './evaluation-subjects.js';
import { dataFor, dcgan, MNIST32 } from './models.js';
import { BENCH_SETTINGS, RESULT_MARKER, type StepName } from './settings.js';

interface Args {
  step: StepName;
  warmup: number;
  repeats: number;
  epochSteps?: number;
  backend?: string;
}

interface Timings {
  /** Seconds of each timed repeat. */
  times: number[];
  /** Live tensors after the last timed repeat, and how many more than after the first (a leak). */
  numTensors: number;
  growth: number;
}

function parseArgs(argv: readonly string[]): Args {
  const out: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--step') {
      if (!(value in BENCH_SETTINGS.steps)) throw new Error(`--step ${value}: expected one of ${Object.keys(BENCH_SETTINGS.steps).join(', ')}`);
      out.step = value as StepName;
    } else if (flag === '--warmup' || flag === '--repeats' || flag === '--epoch-steps') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} ${value}: expected a non-negative integer`);
      if (flag === '--warmup') out.warmup = n;
      else if (flag === '--repeats') out.repeats = n;
      else out.epochSteps = n;
    } else if (flag === '--backend') out.backend = value;
    else throw new Error(`unknown argument ${flag}: expected --step, --warmup, --repeats, --epoch-steps or --backend`);
  }
  if (out.step === undefined) throw new Error('--step NAME is required');
  return { warmup: 2, repeats: 5, ...out } as Args;
}

/**
 * Times the steps of one engine unit from its progress events: step k's time is the time between
 * the events of steps k - 1 and k (step 1 from the unit's start event). The first `warmup` are dropped.
 */
function stepTimer(warmup: number): { onEvent: (event: TrainingEvent) => void; result: () => Timings } {
  let last = 0;
  const times: number[] = [];
  const counts: number[] = [];
  return {
    onEvent(event) {
      const now = performance.now();
      if (event.type === 'step') {
        if (event.step! > warmup) {
          times.push((now - last) / 1000);
          counts.push(tf.memory().numTensors);
        }
      }
      last = now;
    },
    result: () => ({ times, numTensors: counts.at(-1) ?? tf.memory().numTensors, growth: (counts.at(-1) ?? 0) - (counts[0] ?? 0) }),
  };
}

/** The keyed-generator fine-tuning step (hinge + alpha * MSE, Adam) through trainKeyedGenerator. */
async function generatorStep(shape: ImageShape, args: Args): Promise<Timings> {
  const root = dcgan(shape);
  const data = await dataFor(shape);
  const key = LinearKey.random('bench', shape, createRng(1));
  const timer = stepTimer(args.warmup);
  const ctx: StageContext = { root, data, rng: createRng(7), onEvent: timer.onEvent };
  try {
    const { generator } = await trainKeyedGenerator(ctx, key, {
      epochs: 1, batchSize: BENCH_SETTINGS.generatorBatch, stepsPerEpoch: args.warmup + args.repeats, checkSamples: 50,
    });
    generator.dispose();
    return timer.result();
  } finally {
    root.dispose();
    key.dispose();
  }
}

/** A step of a new key (batch 128) against one earlier key, through trainKey. */
async function keyStep(args: Args): Promise<Timings> {
  const root = dcgan(MNIST32);
  const data = await dataFor(MNIST32);
  const earlier = LinearKey.random('earlier', MNIST32, createRng(2));
  const timer = stepTimer(args.warmup);
  const ctx: StageContext = { root, data, rng: createRng(7), onEvent: timer.onEvent };
  try {
    const { key } = await trainKey(ctx, [earlier], 'bench', {
      epochs: 1, batchSize: BENCH_SETTINGS.steps['key-step'].batchSize, stepsPerEpoch: args.warmup + args.repeats,
    });
    key.dispose();
    return timer.result();
  } finally {
    root.dispose();
    earlier.dispose();
  }
}

/** Distinguishability and attributability of 5 keyed generators (root copies, random keys) at the reference sample counts. */
async function evaluation(args: Args): Promise<Timings> {
  const subjects = await evaluationSubjects();
  const run = async (n?: number): Promise<void> => {
    await distinguishability.compute(subjects.context(n));
    await attributability.compute(subjects.context(n));
  };
  try {
    for (let i = 0; i < args.warmup; i++) await run(BENCH_SETTINGS.steps.evaluate.batchSize);
    const times: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < args.repeats; i++) {
      const started = performance.now();
      await run();
      times.push((performance.now() - started) / 1000);
      counts.push(tf.memory().numTensors);
    }
    return { times, numTensors: counts.at(-1)!, growth: counts.at(-1)! - counts[0]! };
  } finally {
    subjects.dispose();
  }
}

/**
 * The same evaluation as `attrib evaluate` runs it: each metric in a worker thread of its own,
 * with its own backend and models. Timed from the moment both threads have built their models
 * (as PyTorch's figure excludes its start-up) to the last result, with no warm-up; the start-up
 * (threads, modules, backends, models) is printed on stderr.
 */
async function evaluationInThreads(args: Args): Promise<Timings> {
  const loader = new URL('../../../core/src/engine/runs/workers/thread-loader.mjs', import.meta.url);
  const entry = new URL('./evaluate-thread.ts', import.meta.url).href;
  const times: number[] = [];
  for (let i = 0; i < args.repeats; i++) {
    const started = performance.now();
    const workers = (['distinguishability', 'attributability'] as const).map((metric) => {
      const worker = new Worker(loader, { workerData: { entry, metric, ...(args.backend !== undefined ? { backend: args.backend } : {}) } });
      const failed = new Promise<never>((_, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`${metric} thread exited with ${code} before its result`)));
      });
      const next = (): Promise<unknown> => Promise.race([new Promise((resolve) => worker.once('message', resolve)), failed]);
      return { worker, next };
    });
    await Promise.all(workers.map((w) => w.next()));
    const ready = performance.now();
    const results = workers.map((w) => w.next());
    for (const w of workers) w.worker.postMessage('go');
    await Promise.all(results);
    times.push((performance.now() - ready) / 1000);
    console.error(`evaluate-2-threads: start-up ${((ready - started) / 1000).toFixed(2)} s, metrics ${times.at(-1)!.toFixed(2)} s`);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  return { times, numTensors: tf.memory().numTensors, growth: 0 };
}

/**
 * One epoch of a keyed generator as the engine runs it (the release's batch 16 over the 10,000
 * MNIST digits: 625 steps, then its 2,000-sample check), `--epoch-steps` capping the steps.
 * Warm-up runs are 3-step epochs with a small check.
 */
async function epoch(args: Args): Promise<Timings> {
  const root = dcgan(MNIST32);
  const data = await dataFor(MNIST32);
  const key = LinearKey.random('bench', MNIST32, createRng(1));
  const ctx: StageContext = { root, data, rng: createRng(7) };
  const train = async (options: Parameters<typeof trainKeyedGenerator>[2]): Promise<void> => {
    const { generator } = await trainKeyedGenerator(ctx, key, { epochs: 1, ...options });
    generator.dispose();
  };
  try {
    for (let i = 0; i < args.warmup; i++) await train({ stepsPerEpoch: 3, checkSamples: 50 });
    const times: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < args.repeats; i++) {
      const started = performance.now();
      await train(args.epochSteps ? { stepsPerEpoch: args.epochSteps } : {});
      times.push((performance.now() - started) / 1000);
      counts.push(tf.memory().numTensors);
    }
    return { times, numTensors: counts.at(-1)!, growth: counts.at(-1)! - counts[0]! };
  } finally {
    root.dispose();
    key.dispose();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await selectBackend(args.backend !== undefined ? { prefer: args.backend } : {});
  const timings =
    args.step === 'dcgan32-generator-step' ? await generatorStep(MNIST32, args)
    : args.step === 'dcgan64-generator-step' ? await generatorStep({ height: 64, width: 64, channels: 3 }, args)
    : args.step === 'key-step' ? await keyStep(args)
    : args.step === 'evaluate' ? await evaluation(args)
    : args.step === 'evaluate-2-threads' || args.step === 'evaluate-cold' ? await evaluationInThreads(args)
    : await epoch(args);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(RESULT_MARKER + JSON.stringify({ ...timings, peakRssMb, backend: backend.name, leftOver: tf.memory().numTensors }));
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
