import { spawn, spawnSync } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKey, saveKey } from '../keys/key-file.js';
import { LinearKey } from '../keys/linear-key.js';
import { createRng } from '../util/rng.js';
import type { PluginHost } from '../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, type RunFixture } from '@attrib/testing/run-fixture';
import { expectRejectsUnchanged } from '@attrib/testing/disk-unchanged';
import { addUser } from './add-user.js';
import { exportUserKey } from './export-key.js';
import { initRegistry } from './init-registry.js';
import { listRegistry } from './list-users.js';
import { withFileLock } from '../util/file-lock.js';
import { readRegistryIndex, updateRegistryIndex } from './registry-folder.js';
import { removeUser } from './remove-user.js';
import { TINY_REGISTRY_OPTIONS, writeSmallRegistry } from '@attrib/testing/small-registry';
import { testingFile } from '@attrib/testing/files';

let host: PluginHost;
let fixture: RunFixture;
let registry: string;
beforeAll(async () => {
  await useBackend('cpu');
  ({ host, fixture, registry } = await writeSmallRegistry(TINY_REGISTRY_OPTIONS));
});

/** The pid of a process that has ended. */
function endedPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

/** |cos| of two key vectors read from their files. */
async function cosine(a: string, b: string): Promise<number> {
  const [ka, kb] = [await loadKey(a), await loadKey(b)];
  const [va, vb] = [ka.vector.dataSync(), kb.vector.dataSync()];
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < va.length; i++) {
    dot += va[i]! * vb[i]!;
    na += va[i]! * va[i]!;
    nb += vb[i]! * vb[i]!;
  }
  ka.dispose();
  kb.dispose();
  return Math.abs(dot) / Math.sqrt(na * nb);
}

describe('a key registry', () => {
  it('init wraps a run (key-1) and records the training options of every user', async () => {
    const index = await readRegistryIndex(registry);
    expect(index).toMatchObject({ format: 'attrib-registry/1', nextKey: 2, users: [], removed: [] });
    expect(index.training.keys).toMatchObject({ epochs: 2, stepsPerEpoch: 15, batchSize: 16, lrKey: 0.05, angleTerm: 'orthogonal' });
    expect(index.training.generators).toMatchObject({ epochs: 2, stepsPerEpoch: 3, batchSize: 8, lr: 5e-4 });
    const listing = await listRegistry(registry);
    expect(listing).toMatchObject({ adapter: 'test-dense', imageShape: { height: 16, width: 16, channels: 1 }, registryKeys: ['key-1'], users: [] });
  });

  it('add gives each user a key trained against every issued key, and a generator', async () => {
    const before = tf.memory().numTensors;
    const alice = await addUser(host, { dir: registry, user: 'alice', meta: { email: 'alice@example.com', plan: 'pro' } });
    expect(alice).toMatchObject({ user: 'alice', key: 'key-2', orthogonalTo: ['key-1'], keyTrainings: 1, resumed: false });
    expect(alice.report).toHaveProperty('keyedShare');
    const bob = await addUser(host, { dir: registry, user: 'Bob Smith' });
    expect(bob).toMatchObject({ key: 'key-3', orthogonalTo: ['key-1', 'key-2'] });
    expect(tf.memory().numTensors).toBe(before);
    // The angle term drove the new keys to ~90 degrees from the earlier ones.
    for (const [a, b] of [['run/keys/key-1.json', 'keys/key-2.json'], ['run/keys/key-1.json', 'keys/key-3.json'], ['keys/key-2.json', 'keys/key-3.json']]) {
      expect(await cosine(join(registry, a!), join(registry, b!))).toBeLessThan(0.02);
    }
    const files = Object.keys(await snapshot(registry));
    expect(files).toEqual(expect.arrayContaining(['keys/key-2.json', 'keys/key-2.png', 'generators/key-2/generator.ckpt', 'keys/key-3.json', 'generators/key-3/generator.ckpt']));
    expect(files.filter((f) => f.includes('.attrib-tmp-') || f.endsWith('.lock'))).toEqual([]);
  });

  it('list shows users, metadata, key ids and dates, never key vectors', async () => {
    const listing = await listRegistry(registry);
    expect(listing.users.map((u) => [u.user, u.key, u.status])).toEqual([['alice', 'key-2', 'ready'], ['Bob Smith', 'key-3', 'ready']]);
    expect(listing.users[0]!.meta).toEqual({ email: 'alice@example.com', plan: 'pro' });
    expect(Date.parse(listing.users[0]!.createdAt)).toBeGreaterThan(Date.now() - 600_000);
    const key = JSON.parse(await readFile(join(registry, 'keys/key-2.json'), 'utf8')) as { vector: string };
    expect(JSON.stringify(listing)).not.toContain(key.vector.slice(0, 16));
    expect(JSON.stringify(listing)).not.toMatch(/vector/);
  });

  it('export writes the key file, refuses to overwrite, and is recorded', async () => {
    const out = join(fixture.dir, 'alice.key.json');
    const result = await exportUserKey(registry, 'alice', out);
    expect(result).toEqual({ user: 'alice', key: 'key-2', file: out });
    expect(await readFile(out, 'utf8')).toBe(await readFile(join(registry, 'keys/key-2.json'), 'utf8'));
    await expect(exportUserKey(registry, 'alice', out)).rejects.toThrow(/alice\.key\.json already exists; expected a new file/);
    expect((await listRegistry(registry)).users[0]!.exports).toBe(1);
  });

  it('remove moves the files to removed/; later keys stay orthogonal to the removed key and ids are not reused', async () => {
    const removed = await removeUser(registry, 'Bob Smith');
    expect(removed).toEqual({ dir: registry, user: 'Bob Smith', key: 'key-3', moved: ['removed/keys/key-3.json', 'removed/keys/key-3.png', 'removed/generators/key-3'] });
    const files = Object.keys(await snapshot(registry));
    expect(files.filter((f) => f.includes('key-3'))).toEqual(expect.arrayContaining(['removed/keys/key-3.json', 'removed/generators/key-3/generator.ckpt']));
    expect(files.filter((f) => f.includes('key-3') && !f.startsWith('removed/'))).toEqual([]);
    const listing = await listRegistry(registry);
    expect(listing.users.map((u) => u.user)).toEqual(['alice']);
    expect(listing.removed.map((u) => [u.user, u.key])).toEqual([['Bob Smith', 'key-3']]);
    const carol = await addUser(host, { dir: registry, user: 'carol', meta: { team: 'x' } });
    expect(carol).toMatchObject({ key: 'key-4', orthogonalTo: ['key-1', 'key-2', 'key-3'] });
    expect(await cosine(join(registry, 'removed/keys/key-3.json'), join(registry, 'keys/key-4.json'))).toBeLessThan(0.02);
  });
});

describe('an addition interrupted or in progress', () => {
  it('whose process ended is listed as interrupted and finished by adding the user again, with the same key id', async () => {
    const gone = { pid: endedPid(), host: hostname() };
    await updateRegistryIndex(registry, (index) => {
      index.users.push({ user: 'dora', meta: { a: '1' }, key: `key-${index.nextKey}`, createdAt: new Date().toISOString(), status: 'key', adding: gone });
      index.nextKey += 1;
    });
    expect((await listRegistry(registry)).users.find((u) => u.user === 'dora')?.status).toBe('interrupted');
    const dora = await addUser(host, { dir: registry, user: 'dora' });
    expect(dora).toMatchObject({ key: 'key-5', resumed: true, keyTrainings: 1, orthogonalTo: ['key-1', 'key-2', 'key-3', 'key-4'] });
    const entry = (await readRegistryIndex(registry)).users.find((u) => u.user === 'dora')!;
    expect(entry).toMatchObject({ status: 'ready', meta: { a: '1' } });
    expect(entry.adding).toBeUndefined();
  });

  it('whose key was recorded goes on from its generator, keeping the key', async () => {
    const key = LinearKey.random('key-6', { height: 16, width: 16, channels: 1 }, createRng(6));
    await saveKey(join(registry, 'keys/key-6.json'), key);
    const written = Array.from(key.vector.dataSync());
    key.dispose();
    await updateRegistryIndex(registry, (index) => {
      index.users.push({ user: 'erin', meta: {}, key: 'key-6', createdAt: new Date().toISOString(), status: 'generator', orthogonalTo: ['key-1'], adding: { pid: endedPid(), host: hostname() } });
      index.nextKey = 7;
    });
    const erin = await addUser(host, { dir: registry, user: 'erin' });
    expect(erin).toMatchObject({ key: 'key-6', resumed: true, keyTrainings: 0, orthogonalTo: ['key-1'] });
    const kept = await loadKey(join(registry, 'keys/key-6.json'));
    expect(Array.from(kept.vector.dataSync())).toEqual(written);
    kept.dispose();
    expect(await stat(join(registry, 'generators/key-6/generator.ckpt')).then(() => true)).toBe(true);
  });

  it('that fails is forgotten: its entry and the files it wrote are removed', async () => {
    const before = Object.keys(await snapshot(registry));
    const failing = addUser(host, { dir: registry, user: 'gail' }, {
      onEvent: (event) => {
        if (event.stage === 'generators' && event.type === 'epoch') throw new Error('disk full (simulated)');
      },
    });
    await expect(failing).rejects.toThrow('disk full (simulated)');
    const index = await readRegistryIndex(registry);
    expect(index.users.map((u) => u.user)).not.toContain('gail');
    expect(index.nextKey).toBe(8);
    const after = Object.keys(await snapshot(registry)).filter((f) => f !== 'registry.json');
    expect(after.sort()).toEqual(before.filter((f) => f !== 'registry.json').sort());
  });

  it('by a live process is refused by add and remove', async () => {
    await updateRegistryIndex(registry, (index) => {
      index.users.push({ user: 'fay', meta: {}, key: 'key-99', createdAt: new Date().toISOString(), status: 'key', adding: { pid: process.pid, host: hostname() } });
    });
    try {
      expect((await listRegistry(registry)).users.find((u) => u.user === 'fay')?.status).toBe('adding');
      await expect(addUser(host, { dir: registry, user: 'fay' })).rejects.toThrow(`user fay is being added to registry ${registry} by process ${process.pid} on ${hostname()}`);
      await expect(removeUser(registry, 'fay')).rejects.toThrow(/user fay is being added .*; remove it when that has finished/);
      await expect(exportUserKey(registry, 'fay', join(fixture.dir, 'fay.json'))).rejects.toThrow('user fay is not ready yet (its key is not finished); nothing exported');
    } finally {
      await updateRegistryIndex(registry, (index) => {
        index.users = index.users.filter((u) => u.user !== 'fay');
      });
    }
  });
});

describe('bad input is a one-line error that changes nothing on disk', () => {
  const unchanged = (action: () => Promise<unknown>, message: string | RegExp) => expectRejectsUnchanged(fixture.dir, action, message);

  it('a missing registry, an existing one, a user already there, a reserved or bad id, bad metadata', async () => {
    await unchanged(() => addUser(host, { dir: join(fixture.dir, 'nope'), user: 'x' }), /registry .*nope does not exist; create it with `attrib registry init`/);
    await unchanged(() => addUser(host, { dir: fixture.dir, user: 'x' }), /holds no registry\.json; expected a folder made by `attrib registry init`/);
    await unchanged(
      () => initRegistry(host, { dir: registry, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 1 }),
      /registry .* already exists \(registry\.json\)/,
    );
    await unchanged(() => addUser(host, { dir: registry, user: 'alice' }), /user alice is already in registry .* \(key-2\); remove it first/);
    await unchanged(() => addUser(host, { dir: registry, user: 'key-7' }), 'user id "key-7": ids of the form key-<n> are reserved for keys');
    await unchanged(() => addUser(host, { dir: registry, user: ' x' }), /user id " x": expected 1 to 200 characters on one line/);
    await unchanged(() => addUser(host, { dir: registry, user: 'dave', meta: { 'a b': '1' } }), /metadata name "a b": expected letters/);
    await unchanged(() => removeUser(registry, 'zed'), /user "zed" is not in registry .* \(users: alice, carol, dora, erin\)/);
    await unchanged(() => exportUserKey(registry, 'zed', join(fixture.dir, 'z.json')), /user "zed" is not in registry/);
    await unchanged(
      () => initRegistry(host, { dir: join(fixture.dir, 'r2'), adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 1, options: { keys: { batchSize: 0 } } }),
      'keys option batchSize: got 0, expected a positive integer',
    );
  });
});

describe('the registry lock', () => {
  it('waits for a live holder and gives up with a one-line error naming it', async () => {
    const lock = join(fixture.dir, 'live.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const waits: string[] = [];
    const error = await withFileLock(lock, async () => 'ran', { timeoutMs: 200, onWait: (who) => waits.push(who) }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`live\\.lock: locked by process ${process.pid} on .* for more than 0 s; if no attrib process is using it, remove that file`));
    expect(waits).toHaveLength(1);
    await rm(lock);
  });

  it('breaks the lock of a process that has ended', async () => {
    const lock = join(fixture.dir, 'stale.lock');
    await writeFile(lock, JSON.stringify({ pid: endedPid(), host: hostname(), since: '2026-01-01T00:00:00Z' }));
    expect(await withFileLock(lock, async () => JSON.parse(await readFile(lock, 'utf8')).pid)).toBe(process.pid);
    expect(await stat(lock).then(() => true, () => false)).toBe(false);
  });
});

const CHILD = testingFile('registry-child.ts');
const CORE = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs registry-child.ts to completion. */
function addInChild(dir: string, user: string, peers: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, dir, user, String(peers)], { cwd: CORE, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('two processes adding users at once', () => {
  it('both users end up listed with distinct keys, the later key trained against the earlier one', async () => {
    const dir = join(fixture.dir, 'shared-registry');
    await initRegistry(host, {
      dir, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 8, options: TINY_REGISTRY_OPTIONS,
    });
    const [a, b] = await Promise.all([addInChild(dir, 'ann', 2), addInChild(dir, 'ben', 2)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const results = [JSON.parse(a.stdout), JSON.parse(b.stdout)] as { user: string; key: string; orthogonalTo: string[]; keyTrainings: number }[];
    expect(results.map((r) => r.key).sort()).toEqual(['key-2', 'key-3']);
    // Both reserved before either trained; the one that recorded its key second trained it again against the first.
    const [first, second] = [...results].sort((x, y) => x.keyTrainings - y.keyTrainings);
    expect(first).toMatchObject({ keyTrainings: 1, orthogonalTo: ['key-1'] });
    expect(second).toMatchObject({ keyTrainings: 2, orthogonalTo: ['key-1', first!.key] });
    expect(second!.user === 'ann' ? a.stderr : b.stderr).toMatch(new RegExp(`${first!.key} recorded by another process meanwhile; training ${second!.key} again`));
    const listing = await listRegistry(dir);
    expect(listing.users.map((u) => [u.user, u.status]).sort()).toEqual([['ann', 'ready'], ['ben', 'ready']]);
    expect(new Set(listing.users.map((u) => u.key)).size).toBe(2);
    expect(await cosine(join(dir, 'keys/key-2.json'), join(dir, 'keys/key-3.json'))).toBeLessThan(0.02);
    const files = Object.keys(await snapshot(dir));
    expect(files).toEqual(expect.arrayContaining(['generators/key-2/generator.ckpt', 'generators/key-3/generator.ckpt']));
    expect(files.filter((f) => f.includes('.attrib-tmp-') || f.includes('.lock'))).toEqual([]);
  });
});
