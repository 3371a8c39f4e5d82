import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEST_PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '../test-plugin.ts');

/**
 * A new plugin folder outside the workspace holding core's test doubles (adapter test-dense,
 * source test-json, post-processes test-contrast and test-posterize) as a user's plugin package.
 */
export function writeTestDoublesFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'attrib-plugins-'));
  const pkg = join(dir, 'attrib-test-doubles');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'attrib-test-doubles', version: '0.0.1', type: 'module', attrib: { plugin: './plugin.ts' } }));
  writeFileSync(join(pkg, 'plugin.ts'), `export { default } from ${JSON.stringify(TEST_PLUGIN)};\n`);
  return dir;
}
