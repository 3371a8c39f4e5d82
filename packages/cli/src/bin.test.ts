import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { attribDev as attribDevIn, isolatedAttribEnv } from '@attrib/testing/cli/attrib-dev';
import { CLI_ROOT } from '@attrib/testing/cli/run-command';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';

/** util-linux `script`: runs a command in a pseudo-terminal, for what the CLI does only in a terminal. */
const SCRIPT = '/usr/bin/script';

describe('bin/dev.js', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attrib-bin-'));
  const attribDev = (args: string[], cwd: string) => attribDevIn(args, cwd, isolatedAttribEnv(tmp));
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

  it('answers a mistyped command with the closest one, as one error line and exit code 127 (no terminal to ask in)', async () => {
    const result = await attribDev(['evalute', join(tmp, 'run')], tmp);
    expect(result.code).toBe(127);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: "evalute" is not an attrib command; did you mean "evaluate"? (`attrib help` lists the commands)\n');
  });

  it.skipIf(!existsSync(SCRIPT))("in a terminal, asks plugin-not-found's question instead (no answer: exit code 127)", async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(CLI_ROOT, 'bin/dev.js'))} evalute`;
    const outcome = await promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { cwd: tmp, env: { ...process.env, NODE_ENV: '', ...isolatedAttribEnv(tmp) } })
      .then(({ stdout }) => ({ code: 0, stdout }), (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }));
    const text = outcome.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(text).toContain('Did you mean evaluate? (Y/n)');
    expect(outcome.code).toBe(127);
  }, 120_000);
});
