import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWithinBudget, runCase } from '@attrib/testing/fuzz/budget';
import { mutations } from '@attrib/testing/fuzz/mutate';
import { readConfigFile } from './config-file.js';

// Config files (YAML and JSON) against damage and hostile YAML: each reads as a mapping or fails
// with one line `config file <path>: ...` (see core's fuzz budget.ts for the assertion).

const tmp = mkdtempSync(join(tmpdir(), 'attrib-config-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const YAML = `adapter: dcgan
seed: 3
first:
  epochs: 2
  batchSize: 16
keys:
  angle: cosine
  cosineTarget: 0.7
robust:
  postprocess: blur
  params: { sigma: 1.5 }
pluginsDir: [plugins, ../more]
`;

async function expectConfig(file: string, text: string | Uint8Array, what: string): Promise<Awaited<ReturnType<typeof runCase>>> {
  writeFileSync(file, text);
  const result = await runCase(() => readConfigFile(file));
  expectWithinBudget(result, file, text.length, 0, what);
  if (result.ok) expect(typeof (result.value as { values: unknown }).values).toBe('object');
  return result;
}

describe('fuzz: config files', () => {
  it('reads or refuses 500 damaged YAML and JSON configs', async () => {
    const json = JSON.stringify({ adapter: 'dcgan', seed: 3, first: { epochs: 2 }, robust: { params: { sigma: 1.5 } } });
    const cases = [
      ...mutations(new TextEncoder().encode(YAML), 300, 9000).map((m) => ({ ext: 'yaml', bytes: m.bytes, kind: m.kind })),
      ...mutations(new TextEncoder().encode(json), 200, 9001).map((m) => ({ ext: 'json', bytes: m.bytes, kind: m.kind })),
    ];
    for (const [i, c] of cases.entries()) await expectConfig(join(tmp, `case.${c.ext}`), c.bytes, `${c.ext} mutation ${i} (${c.kind})`);
  });

  it('hostile YAML: custom tags, cyclic and exponential aliases, deep nesting: one line each', async () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${new Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const cases: [string, RegExp][] = [
      ['f: !!js/function "function () { return 1 }"\n', /^config file \S+: not valid YAML \(tag !!js\/function at line 1 is not plain data; expected only mappings, lists, strings, numbers and booleans\)$/],
      ['o: !!python/object:os.system ["ls"]\n', /tag !!python\/object:os\.system at line 1 is not plain data/],
      ['x: !custom 3\n', /tag !custom at line 1 is not plain data/],
      ['a: &x [*x]\n', /not valid YAML|a value contains itself/],
      [`${laughs.join('\n')}\n`, /not valid YAML \(Excessive alias count/],
      [`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /nested more than 64 deep|not valid YAML/],
    ];
    for (const [text, expected] of cases) {
      const result = await expectConfig(join(tmp, 'hostile.yaml'), text, text.slice(0, 60));
      expect(result.message, text.slice(0, 60)).toMatch(expected);
    }
  });
});
