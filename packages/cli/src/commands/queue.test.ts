import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueStatus } from '@attrib/queue';
import type { RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import { writeTinyRun } from '@attrib/testing/cli/tiny-run';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { hasOpenssl, skipWithoutRedis, startRedis, type TestRedis } from '@attrib/testing/redis-server';
import { TINY_REGISTRY_OPTIONS, writeSmallRegistry } from '@attrib/testing/small-registry';
import GeneratorsTrain from './generators/train.js';
import QueueClean from './queue/clean.js';
import QueueStatusCommand from './queue/status.js';
import Worker from './worker.js';

const tiny = ['--epochs', '2', '--steps-per-epoch', '3', '--batch-size', '8', '--check-samples', '20'];

describe('attrib worker --queue: bad URLs', () => {
  it('a queue URL that is not redis:// is a one-line error naming the flag and the value', async () => {
    const outcome = await runCommand(Worker, ['--queue', 'http://example:6379']);
    expect(outcome.error?.message).toBe('--queue http://example:6379: expected redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB], optionally with USER:PASSWORD@ before the host');
    const db = await runCommand(QueueStatusCommand, ['--queue', 'redis://:hunter2@localhost:6379/x']);
    expect(db.error?.message).toMatch(/^--queue redis:\/\/:\*\*\*@localhost:6379\/x: database "x" is not a number/);
  });
});

describe.skipIf(skipWithoutRedis('attrib worker and queue tests'))('attrib worker, generators train --queue, queue status|clean (real redis-server)', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let run: string;
  let plugins: string;
  beforeAll(async () => {
    redis = await startRedis();
    await useBackend('cpu');
    ({ run } = await writeTinyRun({ seed: 2, keys: 2, generators: false }));
    plugins = writeTestDoublesFolder();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a worker process trains what generators train --queue enqueues; status shows it, clean removes it; SIGTERM stops the worker', async () => {
    const worker = spawn(process.execPath, [join(CLI_ROOT, 'bin/dev.js'), 'worker', '--queue', redis.url, '--plugins-dir', plugins], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    worker.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => worker.on('exit', (code) => resolveExit(code)));
    try {
      const trained = await runCommand(GeneratorsTrain, [run, '--queue', redis.url, ...tiny, '--backend', 'cpu', '--plugins-dir', plugins]);
      expect(trained.error).toBeUndefined();
      expect(trained.stdout).toBe('trained generators of key-2, key-3\n');
      expect(trained.stderr).toContain(`2 units on queue ${redis.url}`);
      expect(trained.stderr).toMatch(/generators\/key-3 epoch 2\/2: keyedShare/);
      const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
      expect(manifest.generators).toEqual(['key-1', 'key-2', 'key-3']);

      const status = await runCommand<QueueStatus>(QueueStatusCommand, ['--queue', redis.url, '--json']);
      expect(status.result?.counts).toMatchObject({ completed: 2, failed: 0, waiting: 0, active: 0 });
      expect(status.result?.workers).toBe(1);
      const cleaned = await runCommand(QueueClean, ['--queue', redis.url]);
      expect(cleaned.stdout).toBe('removed 2 completed, 0 failed\n');
      expect((await runCommand<QueueStatus>(QueueStatusCommand, ['--queue', redis.url, '--json'])).result?.counts.completed).toBe(0);

      worker.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      expect(stdout).toBe('worker stopped\n');
      expect(stderr).toMatch(/generator of key-2 of run .*: done in/);
      expect(stderr).toContain('SIGTERM: finishing the units in hand, taking no more');
    } finally {
      worker.kill('SIGKILL');
    }
  });
});

/** Runs bin/dev.js with `args` and the environment `env` (NODE_EXTRA_CA_CERTS is read at start only). */
function cli(args: string[], env: NodeJS.ProcessEnv): { child: ReturnType<typeof spawn>; output: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(CLI_ROOT, 'bin/dev.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return { child, output, exited: new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code))) };
}

describe.skipIf(skipWithoutRedis('the queue over TLS') || !hasOpenssl())('a queue over TLS with a password (rediss://, a real redis-server with --tls-port)', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ tls: true, password: 's3cret' });
    await useBackend('cpu');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a worker and registry add --count --queue talk to it; a wrong password is a one-line error', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/:s3cret@127\.0\.0\.1:\d+$/);
    const { registry } = await writeSmallRegistry(TINY_REGISTRY_OPTIONS);
    const plugins = writeTestDoublesFolder();
    const env = { NODE_EXTRA_CA_CERTS: redis.caFile! };
    const worker = cli(['worker', '--queue', redis.url, '--plugins-dir', plugins], env);
    try {
      const added = cli(['registry', 'add', registry, '--user', 'tls', '--count', '2', '--queue', redis.url, '--backend', 'cpu', '--plugins-dir', plugins], env);
      expect(await added.exited, added.output.stderr).toBe(0);
      expect(added.output.stdout).toContain(`2 users added to ${registry}: tls-1 key-2, tls-2 key-3`);
      expect(added.output.stderr).toContain(`2 units on queue ${redis.url.replace(':s3cret@', ':***@')}`);
      expect(added.output.stderr).not.toContain('s3cret');
      expect(worker.output.stderr).toMatch(/generator of user tls-2 \(key-3\) of .*: done in/);
      const index = JSON.parse(readFileSync(join(registry, 'registry.json'), 'utf8')) as { users: { user: string; status: string }[] };
      expect(index.users.map((u) => [u.user, u.status])).toEqual([['tls-1', 'ready'], ['tls-2', 'ready']]);

      const wrong = cli(['queue', 'status', '--queue', redis.url.replace(':s3cret@', ':wrong@')], env);
      expect(await wrong.exited).not.toBe(0);
      expect(wrong.output.stderr).toMatch(/^Error: Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the connection: WRONGPASS/m);
      expect(worker.output.stderr).not.toContain('DeprecationWarning');
      expect(wrong.output.stderr).not.toContain(':wrong@');
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
