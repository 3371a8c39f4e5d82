import { describe, expect, it } from 'vitest';
import { mergeSettings } from './settings.js';

describe('mergeSettings', () => {
  const defaults = { epochs: 10, alpha: 1, loss: 'mse', resume: false };

  it('takes each key from flags, else config, else defaults', () => {
    const merged = mergeSettings({
      defaults,
      flags: { epochs: 3, alpha: undefined },
      config: { epochs: 7, alpha: 0.5, other: 'ignored' },
    });
    expect(merged).toEqual({ epochs: 3, alpha: 0.5, loss: 'mse', resume: false });
  });

  it('names the file, key and flag when a config value has the wrong type', () => {
    expect(() => mergeSettings({ defaults, flags: {}, config: { epochs: 'ten' }, configPath: '/x/a.yaml' }))
      .toThrow('config file /x/a.yaml: "epochs" (flag --epochs) must be a number, got "ten"');
  });

  it('accepts any type where the default is undefined', () => {
    const merged = mergeSettings({ defaults: { backend: undefined as string | undefined }, flags: {}, config: { backend: 'wasm' } });
    expect(merged.backend).toBe('wasm');
  });
});
