import { describe, expect, it } from 'vitest';
import { parseParams, parseParamValue } from './params.js';

describe('parseParams', () => {
  it('reads numbers, booleans, number lists and strings', () => {
    expect(parseParams(['sigma=1.5', 'quality=80', 'enabled=true', 'range=0.5,3', 'mode=reflect', 'expr=a=b'])).toEqual({
      sigma: 1.5, quality: 80, enabled: true, range: [0.5, 3], mode: 'reflect', expr: 'a=b',
    });
    expect(parseParamValue('1,x')).toBe('1,x');
    expect(parseParamValue('')).toBe('');
  });

  it('names a malformed entry', () => {
    expect(() => parseParams(['=3'])).toThrow('--param "=3": expected key=value');
  });
});
