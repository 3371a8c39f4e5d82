import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import corePlugin from '@attrib/core/plugin';
import { createPluginHost, type PluginHost } from '@attrib/core';
import { saveGenerator } from '@attrib/core';
import { syntheticSetup } from './synthetic.js';
import testPlugin, { writeTestImages } from './test-plugin.js';

/** A module beside this one's folder, with this module's extension (.ts from source, .js built). */
function sourceModule(relativePath: string): string {
  return fileURLToPath(new URL(`${relativePath}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
}

/**
 * A plugin host with core's own contributions and core's test doubles (adapter `test-dense`, ...),
 * registered with their modules so that worker threads can load the same plugins.
 */
export async function testHost(): Promise<PluginHost> {
  const host = createPluginHost();
  await host.register(corePlugin, { name: '@attrib/core', entry: sourceModule('../../core/src/plugin') });
  await host.register(testPlugin, { name: 'core-test-doubles', entry: sourceModule('./test-plugin') });
  return host;
}

/** Files a run needs, in a fresh temporary folder: root.ckpt (a test-dense root) and data.json. */
export interface RunFixture {
  readonly dir: string;
  readonly rootFile: string;
  readonly dataFile: string;
}

/** Writes a synthetic root (16x16 grey, batch norm) and `size` real images it imitates. */
export async function writeRunFixture(size = 256): Promise<RunFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'attrib-run-'));
  const setup = syntheticSetup(size);
  try {
    const rootFile = join(dir, 'root.ckpt');
    const dataFile = join(dir, 'data.json');
    await saveGenerator(rootFile, setup.root);
    const images = setup.data.read(Array.from({ length: size }, (_, i) => i));
    await writeTestImages(dataFile, images);
    images.dispose();
    return { dir, rootFile, dataFile };
  } finally {
    setup.dispose();
  }
}

/** Tiny stage options that keep a whole run to a second or two. */
export const TINY_OPTIONS = {
  first: { epochs: 2, stepsPerEpoch: 3, batchSize: 8, checkSamples: 20 },
  keys: { epochs: 2, stepsPerEpoch: 2, batchSize: 16 },
  generators: { epochs: 2, stepsPerEpoch: 3, batchSize: 8, checkSamples: 20 },
  robust: { epochs: 2, stepsPerEpoch: 3, batchSize: 8, checkSamples: 20 },
} as const;

/** Every file under `dir` by relative path, with the SHA-256 of its content: to show nothing changed. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const exists = await stat(dir).then(() => true, () => false);
  if (!exists) return out;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

/** First-stage options of the child-process run (run-child.ts) and of its uninterrupted twin. */
export const CHILD_RUN_OPTIONS = { epochs: 3, stepsPerEpoch: 8, batchSize: 8, checkSamples: 20 } as const;
