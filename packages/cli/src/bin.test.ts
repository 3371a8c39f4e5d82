import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attribDev as attribDevIn, isolatedAttribEnv } from '@attrib/testing/cli/attrib-dev';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';

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
});
