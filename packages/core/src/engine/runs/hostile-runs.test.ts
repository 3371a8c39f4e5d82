import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { RunFolder, RUN_FORMAT, type RunManifest } from '../../io/run-folder.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { addKeys } from './add-keys.js';
import { trainRobust } from './train-robust.js';
import { initRun } from './init-run.js';
import { nothingToResume } from './session.js';
import { SKIP_HASH_CHECK_ENV, verifyRootFiles } from './verify-root.js';
import { FOREIGN_TEMPORARY_AGE_MS, temporaryName } from '../../util/stale-temporaries.js';

let host: PluginHost;
let fixture: RunFixture;
let run: string;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(64);
  run = join(fixture.dir, 'run');
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 1, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: run, count: 1, options: TINY_OPTIONS.keys });
});

describe('--resume with nothing pending (nothingToResume, as the commands use it)', () => {
  it('says so for a run with no pending job, though key-2 has no generator; a job of another stage is an error', async () => {
    const lines: string[] = [];
    const folder = await RunFolder.open(run);
    expect(folder.manifest.generators).toEqual(['key-1']);
    expect(nothingToResume(folder, 'generators', true, (line) => lines.push(line))).toBe(true);
    expect(lines).toEqual([`run ${run} has no unfinished generators job; nothing to resume`]);
    expect(nothingToResume(folder, 'generators', false)).toBe(false);
    await folder.update((m) => {
      m.pending = { stage: 'keys', keys: ['key-3'], options: {}, startedAt: '2024-01-01T00:00:00.000Z' };
    });
    try {
      expect(() => nothingToResume(folder, 'generators', true)).toThrow(`run ${run} has an unfinished keys job (key-3), not a generators job; finish it with \`attrib keys add ${run} --resume\``);
      expect(nothingToResume(folder, 'keys', true)).toBe(false);
    } finally {
      await folder.update((m) => {
        delete m.pending;
      });
    }
  });
});

describe('root files checked against the manifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'attrib-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a flipped bit in a converted root.ckpt is refused, naming the file and --skip-hash-check; the flag skips it", async () => {
    const { createHash } = await import('node:crypto');
    const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
    const source = join(dir, 'root.pth');
    const converted = Buffer.from('ATTRIBCK converted root');
    await writeFile(source, 'a reference checkpoint');
    const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    const folderDir = join(dir, 'run');
    const folder = await RunFolder.create(folderDir, {
      ...manifest, format: RUN_FORMAT,
      root: { checkpoint: 'root.ckpt', source, sha256: sha(await readFile(source)), bytes: 22, checkpointSha256: sha(converted) },
    }, async (f) => writeFileAtomic(f.path('root.ckpt'), converted));
    await expect(verifyRootFiles(folder)).resolves.toBeUndefined();
    converted[3] ^= 1;
    await writeFile(join(folderDir, 'root.ckpt'), converted);
    await expect(verifyRootFiles(folder)).rejects.toThrow(
      new RegExp(`^root of run ${folderDir}: ${join(folderDir, 'root.ckpt')} changed since the run was made \\(sha256 [0-9a-f]{12}\\.\\.\\., expected [0-9a-f]{12}\\.\\.\\.; the file is damaged or replaced; to skip this check for a huge file, pass --skip-hash-check \\(or set ATTRIB_SKIP_HASH_CHECK=1\\)\\)$`),
    );
    process.env[SKIP_HASH_CHECK_ENV] = '1';
    try {
      await expect(verifyRootFiles(folder)).resolves.toBeUndefined();
    } finally {
      delete process.env[SKIP_HASH_CHECK_ENV];
    }
  });
});

describe('temporary files of killed writes', () => {
  it('are removed on the next write to their folder; those of live processes are kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-tmp-'));
    try {
      // A process that has exited: its id names no running process.
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      // Names as this machine's writes make them: the writer's pid, then the host's tag.
      const host = temporaryName('x').slice(-16, -8);
      const stale = `.attrib-tmp-key-1.json-${dead}-${host}0badf00d`;
      const live = `.attrib-tmp-key-2.json-${process.ppid}-${host}0123abcd`;
      // Another machine's write (a shared folder) cannot be checked: kept until it is an hour old.
      const foreign = `.attrib-tmp-key-4.json-${dead}-ffffffff0123abcd`;
      const foreignOld = `.attrib-tmp-key-5.json-${dead}-ffffffff0123abcd`;
      for (const name of [stale, live, foreign, foreignOld]) await writeFile(join(dir, name), '{"half": ');
      const hourAgo = new Date(Date.now() - FOREIGN_TEMPORARY_AGE_MS - 1000);
      await utimes(join(dir, foreignOld), hourAgo, hourAgo);
      await writeFileAtomic(join(dir, 'key-3.json'), '{}\n');
      expect((await readdir(dir)).sort()).toEqual([live, foreign, 'key-3.json'].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const manifestOnDisk = async (): Promise<RunManifest> => JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;

describe('two commands on one run folder', () => {
  it('each change to the manifest is made to the manifest on disk: one opened earlier does not undo another\'s', async () => {
    const first = await RunFolder.open(run);
    const second = await RunFolder.open(run);
    await first.update((m) => { m.progress['robust/x/key-1'] = { stage: 'robust', epochs: 1, epochsDone: 1, done: true, updatedAt: 'a' }; });
    await second.update((m) => { m.progress['robust/y/key-1'] = { stage: 'robust', epochs: 1, epochsDone: 1, done: true, updatedAt: 'b' }; });
    const progress = (await manifestOnDisk()).progress;
    expect(progress['robust/x/key-1']).toMatchObject({ updatedAt: 'a' });
    expect(progress['robust/y/key-1']).toMatchObject({ updatedAt: 'b' });
    await first.update((m) => { delete m.progress['robust/x/key-1']; delete m.progress['robust/y/key-1']; });
  });

  it('robust training started twice at once: one runs, the other stops at once saying another command started a job, and the run records the first', async () => {
    const started = [
      trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast', label: 'first' }], options: TINY_OPTIONS.robust }),
      trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast', label: 'second' }], options: TINY_OPTIONS.robust }),
    ];
    const outcomes = await Promise.allSettled(started);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String(refused[0]!.reason)).toMatch(new RegExp(`run ${run} has an unfinished robust job \\(key-1\\) that another command started`));
    const m = await manifestOnDisk();
    expect(m.pending).toBeUndefined();
    expect(Object.keys(m.robust)).toHaveLength(1);
    expect(m.robust[Object.keys(m.robust)[0]!]).toEqual(['key-1']);
  });
});
