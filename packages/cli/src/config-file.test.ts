import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigFile } from './config-file.js';

describe('readConfigFile', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attrib-config-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads YAML and JSON', async () => {
    writeFileSync(join(tmp, 'a.yaml'), 'epochs: 3\nrobust:\n  postprocess: blur\n');
    writeFileSync(join(tmp, 'b.json'), '{"epochs": 4}');
    expect((await readConfigFile(join(tmp, 'a.yaml'))).values).toEqual({ epochs: 3, robust: { postprocess: 'blur' } });
    const json = await readConfigFile(join(tmp, 'b.json'));
    expect(json.values).toEqual({ epochs: 4 });
    expect(json.dir).toBe(tmp);
  });

  it('gives one-line errors naming the file', async () => {
    writeFileSync(join(tmp, 'bad.yaml'), 'a: [1, 2\n');
    writeFileSync(join(tmp, 'list.yaml'), '- 1\n- 2\n');
    writeFileSync(join(tmp, 'bad.json'), '{"a": }');
    await expect(readConfigFile(join(tmp, 'missing.yaml'))).rejects.toThrow(`config file ${join(tmp, 'missing.yaml')}: cannot read (ENOENT)`);
    await expect(readConfigFile(join(tmp, 'bad.yaml'))).rejects.toThrow(new RegExp(`^config file ${join(tmp, 'bad.yaml')}: not valid YAML \\([^\\n]*\\)$`));
    await expect(readConfigFile(join(tmp, 'list.yaml'))).rejects.toThrow('expected a mapping of settings (key: value), got a list');
    await expect(readConfigFile(join(tmp, 'bad.json'))).rejects.toThrow(`config file ${join(tmp, 'bad.json')}: not valid JSON`);
  });
});
