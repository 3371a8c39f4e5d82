import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ROOT } from '@attrib/testing/cli/run-command';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';

const run = promisify(execFile);

/** Runs bin/dev.js (the CLI from TypeScript source) as a user would, from an unrelated folder. */
async function attribDev(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(CLI_ROOT, 'bin/dev.js'), ...args], { cwd, env: { ...process.env, NODE_ENV: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('bin/dev.js', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attrib-bin-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds the commands in src/ and loads a third-party plugin from a folder outside the workspace', async () => {
    writeThirdPartyPlugin(join(tmp, 'plugins'));
    const result = await attribDev(['components', '--json', '--plugins-dir', join(tmp, 'plugins')], tmp);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { contributions: { name: string; package: string }[] };
    expect(json.contributions).toContainEqual(expect.objectContaining({ name: 'invert', package: 'attrib-plugin-invert' }));
  });

  it('exits non-zero with one line on stderr for an unknown post-process', async () => {
    const result = await attribDev(['postprocess', 'apply', '--postprocess', 'nope', '--out', join(tmp, 'out'), join(tmp, 'a.png')], tmp);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: Unknown post-process "nope"; available: [^\n]+\n$/);
  });
});
