import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../io/checkpoint.js';
import { readPng } from '../../io/png.js';
import type { RunManifest } from '../../io/run-folder.js';
import { loadKey } from '../../keys/key-file.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { CHILD_RUN_OPTIONS, snapshot, testHost, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { initRun } from './init-run.js';
import { testingFile } from '@attrib/testing/files';

const CHILD = testingFile('run-child.ts');
const CORE = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Starts run-child.ts; `until(line)` returning true kills it with SIGKILL. Resolves with its stdout lines and exit signal. */
function runChild(args: string[], until?: (line: string) => boolean): Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, ...args], { cwd: CORE, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (until?.(line)) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ lines, signal, code, stderr }));
  });
}

/** Every file of the run parses as what its name says (JSON, PNG, attrib checkpoint). */
async function expectValidFiles(dir: string): Promise<string[]> {
  const files = Object.keys(await snapshot(dir)).filter((f) => !f.includes('.attrib-tmp-'));
  for (const file of files) {
    const path = join(dir, file);
    if (file.endsWith('.json')) JSON.parse(await readFile(path, 'utf8'));
    else if (file.endsWith('.png')) await readPng(path, 1);
    else if (file.endsWith('.ckpt')) tf.dispose(Object.values((await loadCheckpoint(path)).tensors));
    else throw new Error(`unexpected file ${file}`);
  }
  return files;
}

let host: PluginHost;
let fixture: RunFixture;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
});

describe('a run killed mid-epoch', () => {
  it('leaves only whole files, resumes after its last finished epoch and ends as an uninterrupted run does', async () => {
    const run = join(fixture.dir, 'killed');
    const killed = await runChild([fixture.dir, run, '40'], (line) => line === 'step 1 5');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killed.lines.at(-1)).toBe('step 1 5');

    const files = await expectValidFiles(run);
    expect(files).not.toContain('keys/key-1.json');
    const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.pending?.stage).toBe('first');
    expect(manifest.progress.first).toMatchObject({ epochsDone: 1, done: false });
    const state = await loadCheckpoint(join(run, 'generators/key-1/first.state.ckpt'));
    expect(state.meta.epochsDone).toBe(1);
    tf.dispose(Object.values(state.tensors));

    const resumed = await runChild([fixture.dir, run, '0', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.lines[0]).toBe('step 1 1');
    expect(resumed.lines.at(-1)).toBe('done');
    expect(await expectValidFiles(run)).toEqual(expect.arrayContaining(['keys/key-1.json', 'generators/key-1/generator.ckpt', 'samples/key-1.png']));
    const finished = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(finished.pending).toBeUndefined();
    expect(finished.keys).toEqual(['key-1']);

    const whole = join(fixture.dir, 'whole');
    await initRun(host, {
      dir: whole, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 3, options: CHILD_RUN_OPTIONS,
    });
    const [a, b] = [await loadKey(join(run, 'keys/key-1.json')), await loadKey(join(whole, 'keys/key-1.json'))];
    expect(Array.from(a.vector.dataSync())).toEqual(Array.from(b.vector.dataSync()));
    a.dispose();
    b.dispose();
  });
});
