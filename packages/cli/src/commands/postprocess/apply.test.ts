import { decodePng, encodePng, type Image8 } from '@attrib/core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';
import PostprocessApply, { type ApplyResult } from './apply.js';

function testImage(width: number, height: number, channels: 1 | 3): Image8 {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  data[0] = 0;
  data[1] = 255;
  return { width, height, channels, data };
}

describe('attrib postprocess apply', () => {
  let tmp: string;
  let pluginsDir: string;
  const grey = testImage(5, 4, 1);
  const rgb = testImage(3, 2, 3);

  beforeAll(() => {
    // Outside the workspace: the plugin cannot resolve attrib's packages from here.
    tmp = mkdtempSync(join(tmpdir(), 'attrib-apply-'));
    expect(tmp.startsWith(CLI_ROOT)).toBe(false);
    pluginsDir = join(tmp, 'plugins');
    writeThirdPartyPlugin(pluginsDir);
    writeFileSync(join(tmp, 'grey.png'), encodePng(grey));
    writeFileSync(join(tmp, 'rgb.png'), encodePng(rgb));
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("uses a third-party plugin's post-process from a plugin folder: invert gives 255 - b for every byte", async () => {
    const out = join(tmp, 'inverted');
    const run = await runCommand<ApplyResult>(PostprocessApply, [
      '--postprocess', 'invert', '--backend', 'cpu', '--out', out,
      // A repeatable flag right before the images must not swallow them.
      '--plugins-dir', pluginsDir, join(tmp, 'grey.png'), join(tmp, 'rgb.png'),
    ]);
    expect(run.error).toBeUndefined();
    expect(run.result?.outputs.map((o) => o.output)).toEqual([join(out, 'grey.png'), join(out, 'rgb.png')]);
    const greyOut = decodePng(readFileSync(join(out, 'grey.png')), 1);
    expect([greyOut.width, greyOut.height]).toEqual([5, 4]);
    expect(Array.from(greyOut.data)).toEqual(Array.from(grey.data, (b) => 255 - b));
    const rgbOut = decodePng(readFileSync(join(out, 'rgb.png')), 3);
    expect(Array.from(rgbOut.data)).toEqual(Array.from(rgb.data, (b) => 255 - b));
    expect(run.stdout).toBe(`wrote 2 images to ${out}\n`);
  });

  it('passes --param values to the post-process and prints only JSON on stdout with --json', async () => {
    const out = join(tmp, 'scaled');
    const run = await runCommand<ApplyResult>(PostprocessApply, [
      '--plugins-dir', pluginsDir, '--postprocess', 'scale', '--backend', 'cpu',
      '--out', out, '--json', '--param', 'factor=0.5', join(tmp, 'grey.png'),
    ]);
    expect(run.error).toBeUndefined();
    const json = JSON.parse(run.stdout) as ApplyResult;
    expect(json.params).toEqual({ factor: 0.5 });
    expect(json.postprocess).toBe('scale');
    // byte -> [-1, 1] -> times 0.5 -> back to a byte, worked out in plain arithmetic.
    const expected = Array.from(grey.data, (b) => Math.round(((b / 127.5 - 1) * 0.5 + 1) * 127.5));
    expect(Array.from(decodePng(readFileSync(join(out, 'grey.png')), 1).data)).toEqual(expected);
  });

  it('takes settings from a YAML config under flags: the flag wins, the config fills the rest', async () => {
    const config = join(tmp, 'attrib.yaml');
    writeFileSync(config, `pluginsDir: plugins\npostprocess:\n  postprocess: scale\n  params: { factor: 2 }\n  seed: 5\n  out: from-config\n`);
    const run = await runCommand<ApplyResult>(PostprocessApply, [
      '--config', config, '--seed', '9', '--backend', 'cpu', '--json', join(tmp, 'grey.png'),
    ]);
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ postprocess: 'scale', params: { factor: 2 }, seed: 9, mode: 'eval' });
    // Relative paths of a config file are relative to the file's folder.
    expect(run.result?.outputs[0]?.output).toBe(join(tmp, 'from-config', 'grey.png'));
  });

  it('rejects an unknown post-process with one line listing the available names, writing nothing', async () => {
    const out = join(tmp, 'never');
    const run = await runCommand<ApplyResult>(PostprocessApply, [
      '--plugins-dir', pluginsDir, '--postprocess', 'nope', '--backend', 'cpu', '--out', out, join(tmp, 'grey.png'),
    ]);
    expect(run.error).toBeDefined();
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error: Unknown post-process "nope"; available: .*\binvert\b.*\bscale\b/);
    expect(() => readFileSync(join(out, 'grey.png'))).toThrow();
  });

  it('names the file and what was expected for an input that is not a PNG', async () => {
    const bad = join(tmp, 'bad.png');
    writeFileSync(bad, 'hello');
    mkdirSync(join(tmp, 'bad-out'), { recursive: true });
    const run = await runCommand(PostprocessApply, ['--plugins-dir', pluginsDir, '--postprocess', 'invert', '--backend', 'cpu', '--out', join(tmp, 'bad-out'), bad]);
    expect(run.stderr).toBe(`Error: ${bad}: not a PNG file\n`);
  });

  it('names a malformed --param', async () => {
    const run = await runCommand(PostprocessApply, ['--plugins-dir', pluginsDir, '--postprocess', 'scale', '--param', 'factor', '--out', tmp, join(tmp, 'grey.png')]);
    expect(run.stderr).toBe('Error: --param "factor": expected key=value\n');
  });
});
