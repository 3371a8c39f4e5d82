/**
 * Wall time of the generators stage with its keyed generators trained one after another
 * (workers 1) and side by side in worker threads (workers 2), on a randomly initialised DCGAN-32
 * root with the mnist source, and a check that both give the same generators, tensor for tensor:
 *   tsx --conditions=source packages/cli/scripts/parallel-generators.ts [--keys 4] [--steps 36] [--backend wasm]
 * Not a test: it takes a minute or more. The wall times mean something only on an otherwise idle
 * machine (Linux's autogroup scheduling gives a busy machine's other sessions their share however
 * many threads this one runs); the CPU seconds say how much work each way took.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  addKeys, createLoadedPluginHost, initRun, loadCheckpoint, saveGenerator, selectBackend, trainGenerators,
} from '@attrib/core';
import { DcganGenerator, resolveDcganConfig } from '@attrib/adapter-dcgan';

function parseArgs(argv: string[]): { keys: number; steps: number; backend: string } {
  const out = { keys: 4, steps: 36, backend: 'wasm' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--backend' && value) out.backend = value;
    else if ((flag === '--keys' || flag === '--steps') && value && Number.isInteger(Number(value)) && Number(value) > 0) out[flag.slice(2) as 'keys' | 'steps'] = Number(value);
    else throw new Error(`${flag ?? ''} ${value ?? ''}: expected --keys N, --steps N or --backend NAME`);
  }
  return out;
}

async function sameTensors(fileA: string, fileB: string): Promise<boolean> {
  const [a, b] = [await loadCheckpoint(fileA), await loadCheckpoint(fileB)];
  try {
    const names = Object.keys(a.tensors);
    if (names.join() !== Object.keys(b.tensors).join()) return false;
    return names.every((name) => {
      const [x, y] = [a.tensors[name]!.dataSync(), b.tensors[name]!.dataSync()];
      return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    });
  } finally {
    tf.dispose([...Object.values(a.tensors), ...Object.values(b.tensors)]);
  }
}

const args = parseArgs(process.argv.slice(2));
tf.env().set('PROD', true);
const backend = await selectBackend({ prefer: args.backend });
const { host, warnings } = await createLoadedPluginHost({ workspaceFrom: process.cwd() });
warnings.forEach((w) => process.stderr.write(`${w}\n`));
const dir = await mkdtemp(join(tmpdir(), 'attrib-parallel-'));
try {
  const rootFile = join(dir, 'root.ckpt');
  const root = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1, nz: 100, ngf: 64, seed: 0 }));
  await saveGenerator(rootFile, root);
  root.dispose();
  const base = join(dir, 'base');
  await initRun(host, {
    dir: base, adapter: 'dcgan', root: rootFile, data: { source: 'mnist' }, seed: 1,
    options: { epochs: 1, stepsPerEpoch: 2, batchSize: 16, checkSamples: 100 },
  });
  await addKeys(host, { dir: base, count: args.keys, options: { epochs: 1, stepsPerEpoch: 2 } });
  const options = { epochs: 1, stepsPerEpoch: args.steps, batchSize: 16, checkSamples: 200 };
  const seconds: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const run = join(dir, `workers-${workers}`);
    await cp(base, run, { recursive: true });
    const before = tf.memory().numTensors;
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    const lanes: Record<string, { first?: number; last?: number; steps: number }> = {};
    const result = await trainGenerators(host, { dir: run, options, workers }, {
      onEvent(event) {
        if (event.type !== 'step') return;
        const at = (performance.now() - start) / 1000;
        const lane = (lanes[event.unit] ??= { steps: 0 });
        lane.first ??= at;
        lane.last = at;
        lane.steps += 1;
      },
    });
    seconds[workers] = (performance.now() - start) / 1000;
    // Every thread of this process: how much work the run took, whatever else the machine ran.
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    for (const [unit, lane] of Object.entries(lanes)) {
      const perStep = (lane.last! - lane.first!) / Math.max(lane.steps - 1, 1);
      process.stdout.write(`  ${unit}: first step at ${lane.first!.toFixed(1)} s, last at ${lane.last!.toFixed(1)} s, ${perStep.toFixed(3)} s a step\n`);
    }
    process.stdout.write(`workers ${workers}: ${result.trained.length} generators x ${args.steps} steps in ${seconds[workers]!.toFixed(1)} s, ${cpuSeconds.toFixed(1)} CPU s (tensors here ${before} -> ${tf.memory().numTensors})\n`);
  }
  const keys = Array.from({ length: args.keys }, (_, i) => `key-${i + 2}`);
  const identical: boolean[] = [];
  for (const id of keys) {
    identical.push(await sameTensors(join(dir, 'workers-1/generators', id, 'generator.ckpt'), join(dir, 'workers-2/generators', id, 'generator.ckpt')));
  }
  process.stdout.write(`backend ${backend.name}; speed-up ${(seconds[1]! / seconds[2]!).toFixed(2)}x; generators identical: ${keys.map((id, i) => `${id} ${identical[i] ? 'yes' : 'NO'}`).join(', ')}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
