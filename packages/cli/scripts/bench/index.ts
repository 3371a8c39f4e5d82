/**
 * `pnpm bench`: times the training and evaluation steps of attrib on the backend in use and, where
 * Debian's /usr/bin/python3 can import torch, the same steps in PyTorch with 1 and 2 threads,
 * alternating with ours (ours, PyTorch 1 thread, PyTorch 2 threads, per round). Each measurement
 * runs in its own process (ours.ts, torch_steps.py) after its own warm-up; a step's figure is the
 * median of all its timed repeats over the rounds, and the ratio is ours over PyTorch's best.
 * Not a test. Flags:
 *   --json         one JSON record per step on stdout: {name, oursSeconds, torchSeconds, ratio, numTensors, peakRssMb}
 *   --quick        1 round, fewer repeats, the epoch capped at 50 steps
 *   --demo         also time the whole `attrib demo` (a child process, in a temporary folder), with
 *                  its default threads (demo) and in one thread (demo-1-thread, ATTRIB_WORKERS=1)
 *   --demo-args S  extra arguments of `attrib demo`, space-separated (e.g. "--profile smoke" to check the wiring)
 *   --steps A,B    only these steps (dcgan32-generator-step, dcgan64-generator-step, key-step, evaluate, evaluate-2-threads, evaluate-cold, generator-epoch, demo, demo-1-thread)
 *   --rounds N     rounds of ours/PyTorch alternation (default 2; the epoch and the demo run once)
 *   --epoch-steps N  cap the epoch at N steps (--quick: 50); the record is then named generator-epoch-N-steps
 *   --backend B    the backend of ours (default: attrib's automatic choice; ATTRIB_BACKEND works too)
 *   --no-torch     skip PyTorch
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRecord, formatSeconds, markdownTable, median, type BenchRecord } from './records.js';
import { BENCH_SETTINGS, RESULT_MARKER, type StepName } from './settings.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..', '..', '..');
const PYTHON = '/usr/bin/python3';
/** Debian's pthreads OpenBLAS; without it PyTorch falls back to the reference BLAS, some 20x slower. */
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const DEMO_STEPS = ['demo', 'demo-1-thread'] as const;
const ALL_STEPS = [...(Object.keys(BENCH_SETTINGS.steps) as StepName[]), ...DEMO_STEPS] as const;
type BenchStep = (typeof ALL_STEPS)[number];
type DemoStep = (typeof DEMO_STEPS)[number];
const isDemoStep = (step: BenchStep): step is DemoStep => (DEMO_STEPS as readonly string[]).includes(step);

interface Options {
  json: boolean;
  quick: boolean;
  demo: boolean;
  demoArgs: string[];
  steps: readonly BenchStep[];
  rounds: number;
  epochSteps?: number;
  backend?: string;
  torch: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const out: Options = { json: false, quick: false, demo: false, demoArgs: [], steps: ALL_STEPS, rounds: 2, torch: true };
  let rounds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') out.json = true;
    else if (flag === '--quick') out.quick = true;
    else if (flag === '--demo') out.demo = true;
    else if (flag === '--no-torch') out.torch = false;
    else if (flag === '--demo-args') {
      const value = argv[++i];
      if (value === undefined) throw new Error('--demo-args needs a value');
      out.demoArgs = value.split(' ').filter((s) => s !== '');
    }
    else if (flag === '--steps' || flag === '--rounds' || flag === '--backend' || flag === '--epoch-steps') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      if (flag === '--backend') out.backend = value;
      else if (flag === '--rounds' || flag === '--epoch-steps') {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} ${value}: expected a positive integer`);
        if (flag === '--rounds') rounds = n;
        else out.epochSteps = n;
      } else {
        const names = value.split(',').map((s) => s.trim());
        const unknown = names.find((n) => !(ALL_STEPS as readonly string[]).includes(n));
        if (unknown !== undefined) throw new Error(`--steps: unknown step '${unknown}' (known: ${ALL_STEPS.join(', ')})`);
        out.steps = names as BenchStep[];
      }
    } else throw new Error(`unknown argument ${flag}: expected --json, --quick, --demo, --demo-args, --steps, --rounds, --epoch-steps, --backend or --no-torch`);
  }
  out.rounds = rounds ?? (out.quick ? 1 : 2);
  if (out.quick) out.epochSteps ??= 50;
  // The demo runs only when asked for, even when --steps names it; --demo alone runs it both ways.
  if (!out.demo) out.steps = out.steps.filter((s) => !isDemoStep(s));
  else if (!out.steps.some(isDemoStep)) out.steps = [...out.steps, ...DEMO_STEPS];
  return out;
}

/** Warm-up and timed repeats per process, and the rounds, of each step. */
function plan(step: StepName, options: Options): { warmup: number; repeats: number; rounds: number; epochSteps?: number } {
  const q = options.quick;
  switch (step) {
    case 'dcgan32-generator-step':
    case 'dcgan64-generator-step':
      return { warmup: 3, repeats: q ? 5 : 10, rounds: options.rounds };
    case 'key-step':
      return { warmup: 2, repeats: q ? 4 : 8, rounds: options.rounds };
    case 'evaluate':
      return { warmup: 1, repeats: 1, rounds: options.rounds };
    case 'evaluate-2-threads':
    case 'evaluate-cold':
      return { warmup: 0, repeats: 1, rounds: options.rounds };
    case 'generator-epoch':
      return { warmup: 1, repeats: 1, rounds: 1, ...(options.epochSteps !== undefined ? { epochSteps: options.epochSteps } : {}) };
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Runs a child to its end; resolves with its stdout, rejects with the tail of its stderr. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

interface OursResult {
  times: number[];
  numTensors: number;
  growth: number;
  peakRssMb: number;
  backend: string;
}

/** Whether a step's figure is the wall time of its whole process (see `evaluate-cold`). */
function isCold(step: StepName): boolean {
  return 'oursStep' in BENCH_SETTINGS.steps[step];
}

/** The step ours.ts runs for `step`. */
function oursStep(step: StepName): string {
  const settings = BENCH_SETTINGS.steps[step];
  return 'oursStep' in settings ? settings.oursStep : step;
}

/** `measure`'s result, with its times replaced by the wall time of the whole call for a cold step. */
async function timed<R extends { times: number[] }>(step: StepName, measure: () => Promise<R>): Promise<R> {
  const started = performance.now();
  const result = await measure();
  return isCold(step) ? { ...result, times: [(performance.now() - started) / 1000] } : result;
}

async function runOurs(step: StepName, p: ReturnType<typeof plan>, options: Options): Promise<OursResult> {
  return timed(step, () => runOursProcess(oursStep(step), p, options));
}

async function runOursProcess(step: string, p: ReturnType<typeof plan>, options: Options): Promise<OursResult> {
  const args = [...process.execArgv, join(HERE, 'ours.ts'), '--step', step, '--warmup', String(p.warmup), '--repeats', String(p.repeats)];
  if (p.epochSteps !== undefined) args.push('--epoch-steps', String(p.epochSteps));
  if (options.backend !== undefined) args.push('--backend', options.backend);
  const stdout = await run(process.execPath, args, process.env);
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`ours.ts --step ${step} printed no result`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as OursResult;
}

async function torchAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return new Promise<boolean>((resolve) => {
    const child = spawn(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** The PyTorch step doing the same work as our `step` (the threaded evaluation is PyTorch's evaluation). */
function torchStep(step: StepName): string {
  const settings = BENCH_SETTINGS.steps[step];
  return 'torchStep' in settings ? settings.torchStep : step;
}

async function runTorch(step: StepName, p: ReturnType<typeof plan>, threads: number): Promise<{ times: number[]; blas: string; torch: string }> {
  return timed(step, () => runTorchProcess(step, p, threads));
}

async function runTorchProcess(step: StepName, p: ReturnType<typeof plan>, threads: number): Promise<{ times: number[]; blas: string; torch: string }> {
  const s = BENCH_SETTINGS;
  const args = [
    join(HERE, 'torch_steps.py'), '--step', torchStep(step), '--threads', String(threads), '--warmup', String(p.warmup), '--repeats', String(p.repeats),
    '--batch', String(s.generatorBatch), '--key-batch', String(s.steps['key-step'].batchSize), '--data-size', String(s.mnistImages),
    '--eval-generators', String(s.steps.evaluate.generators), '--eval-samples', String(s.steps.evaluate.samples),
    '--eval-batch', String(s.steps.evaluate.batchSize), '--epoch-steps', String(p.epochSteps ?? 0),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (existsSync(OPENBLAS_DIR)) env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const stdout = await run(PYTHON, args, env);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { times: number[]; blas: string; torch: string };
}

/**
 * The whole `attrib demo` as a child process, once (`demo-1-thread`: with ATTRIB_WORKERS=1); an
 * error when the command does not exist (yet) or fails.
 */
async function timeDemo(step: DemoStep, extraArgs: readonly string[]): Promise<{ seconds: number; peakRssMb: number | null } | { error: string }> {
  const commands = join(REPO, 'packages', 'cli', 'src', 'commands');
  if (!existsSync(join(commands, 'demo.ts')) && !existsSync(join(commands, 'demo'))) return { error: 'there is no `attrib demo` command yet' };
  const folder = mkdtempSync(join(tmpdir(), 'attrib-bench-demo-'));
  const rssFile = join(folder, 'peak-rss-kb');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATTRIB_BENCH_RSS_FILE: rssFile,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${join(HERE, 'rss-report.cjs')}`].filter(Boolean).join(' '),
    ...(step === 'demo-1-thread' ? { ATTRIB_WORKERS: '1' } : {}),
  };
  delete env.npm_lifecycle_event;
  try {
    const started = performance.now();
    await run(process.execPath, [join(REPO, 'packages', 'cli', 'bin', 'dev.js'), 'demo', ...extraArgs], env, folder);
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : null;
    return { seconds, peakRssMb };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const withTorch = options.torch && (await torchAvailable());
  if (options.torch && !withTorch) log(`PyTorch: ${PYTHON} cannot import torch (apt-get install python3-torch); torchSeconds will be null`);
  const records: BenchRecord[] = [];
  const torchByThreads: Record<string, Record<string, number>> = {};
  let backend = '';
  let blas = '';
  for (const step of options.steps) {
    if (isDemoStep(step)) {
      log(`${step}: running \`${step === 'demo-1-thread' ? 'ATTRIB_WORKERS=1 ' : ''}attrib demo${options.demoArgs.map((a) => ` ${a}`).join('')}\` once`);
      const demo = await timeDemo(step, options.demoArgs);
      if ('error' in demo) log(`${step}: not timed (${demo.error})`);
      records.push({
        name: step, oursSeconds: 'error' in demo ? null : demo.seconds, torchSeconds: null, ratio: null, numTensors: null,
        peakRssMb: 'error' in demo ? null : demo.peakRssMb,
      });
      emit(records.at(-1)!, options);
      const [threads, one] = DEMO_STEPS.map((name) => records.find((r) => r.name === name)?.oursSeconds);
      // Once both have run: the speed-up of the default threads.
      if (typeof threads === 'number' && typeof one === 'number') {
        log(`demo: ${formatSeconds(one)} in one thread, ${formatSeconds(threads)} with its default threads (${(one / threads).toFixed(2)}x)`);
      }
      continue;
    }
    const p = plan(step, options);
    const ours: number[] = [];
    const torch: Record<string, number[]> = {};
    let last: OursResult | undefined;
    let peakRssMb = 0;
    for (let round = 1; round <= p.rounds; round++) {
      last = await runOurs(step, p, options);
      backend = last.backend;
      ours.push(...last.times);
      peakRssMb = Math.max(peakRssMb, last.peakRssMb);
      if (last.growth !== 0) log(`${step}: WARNING: ${last.growth} more live tensors after the last timed repeat than after the first`);
      log(`${step} round ${round}: ours (${last.backend}) median ${formatSeconds(median(last.times))}`);
      if (!withTorch) continue;
      for (const threads of [1, 2]) {
        const result = await runTorch(step, p, threads);
        blas = result.blas;
        (torch[threads] ??= []).push(...result.times);
        log(`${step} round ${round}: PyTorch ${result.torch} ${threads} thread(s) median ${formatSeconds(median(result.times))}`);
      }
    }
    const medians = Object.fromEntries(Object.entries(torch).map(([t, times]) => [t, median(times)]));
    const name = step === 'generator-epoch' && p.epochSteps !== undefined ? `generator-epoch-${p.epochSteps}-steps` : step;
    torchByThreads[name] = medians;
    records.push(benchRecord(name, { times: ours, numTensors: last!.numTensors, peakRssMb }, medians));
    emit(records.at(-1)!, options);
  }
  if (!options.json) {
    console.log(`\nbackend ${backend || 'n/a'}${blas ? `; PyTorch BLAS ${blas}` : ''}; ${new Date().toISOString().slice(0, 10)}\n`);
    console.log(markdownTable(records, torchByThreads));
  }
}

function emit(record: BenchRecord, options: Options): void {
  if (options.json) console.log(JSON.stringify(record));
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
