import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeTinyRun } from '@attrib/testing/cli/tiny-run';
import { snapshot } from '@attrib/testing/run-fixture';
import Evaluate from './commands/evaluate.js';
import GeneratorsTrain from './commands/generators/train.js';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';

const run = promisify(execFile);

/** Runs bin/dev.js as a user would (with command discovery, so every command's flags are known). */
async function attribDev(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(CLI_ROOT, 'bin/dev.js'), ...args], { cwd, env: { ...process.env, NODE_ENV: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('commands do what was asked, or say why not', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attrib-hostile-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a config key no command reads is an error listing the known keys, with the nearest as a hint', async () => {
    const config = join(tmp, 'typo.yaml');
    writeFileSync(config, 'epoch: 1\ngenerators:\n  bachSize: 8\n');
    const result = await attribDev(['generators', 'train', join(tmp, 'run'), '--config', config], tmp);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Error: config file ${config}: unknown settings "epoch" \\(did you mean "epochs"\\?\\), "generators\\.bachSize" \\(did you mean "batchSize"\\?\\); known settings: [^\\n]*\\bstepsPerEpoch\\b[^\\n]* \\(pass --lenient-config to only warn\\)\\n$`));
  });

  it('with --lenient-config it is a one-line warning and the command goes on', async () => {
    const config = join(tmp, 'lenient.yaml');
    writeFileSync(config, 'epoch: 1\n');
    const result = await attribDev(['generators', 'train', join(tmp, 'no-run'), '--config', config, '--lenient-config'], tmp);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Warning: config file \S+: unknown setting "epoch" \(did you mean "epochs"\?\)/);
    expect(lines.at(-1)).toMatch(/^Error: run folder \S*no-run does not exist/);
    expect(result.code).toBe(1);
  });

  it('a YAML custom tag is one line on stderr, without the parser\'s warning', async () => {
    const config = join(tmp, 'tag.yaml');
    writeFileSync(config, 'epochs: !!js/function "function () { return 1 }"\n');
    const result = await attribDev(['generators', 'train', join(tmp, 'run'), '--config', config], tmp);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: config file ${config}: not valid YAML (tag !!js/function at line 1 is not plain data; expected only mappings, lists, strings, numbers and booleans)\n`);
  });

  it('generators train --resume with nothing pending says so, trains nothing and exits 0', async () => {
    await useBackend('cpu');
    const { run: dir } = await writeTinyRun({ seed: 2, keys: 2, generators: false });
    const before = await snapshot(dir);
    const outcome = await runCommand(GeneratorsTrain, [dir, '--resume', '--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe('no generator trained\n');
    expect(outcome.stderr).toBe(`run ${dir} has no unfinished generators job; nothing to resume\n`);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('evaluate --param without --postprocess is an error, not ignored', async () => {
    const outcome = await runCommand(Evaluate, [join(tmp, 'run'), '--param', 'sigma=2']);
    expect(outcome.stderr).toBe('Error: --param needs --postprocess (the post-process whose parameters they are); without one nothing is post-processed\n');
    expect(outcome.error).toBeDefined();
  });
});
