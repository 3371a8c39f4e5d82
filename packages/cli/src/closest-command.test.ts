import { describe, expect, it } from 'vitest';
import { closestCommand, editDistance } from './closest-command.js';

describe('closestCommand', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('evalute', 'evaluate')).toBe(1);
    expect(editDistance('keys:add', 'keys:ad')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('compares each command with as many parts of the typed id as it has, so arguments do not count', () => {
    const ids = ['evaluate', 'keys:add', 'keys:similarity', 'identify', 'demo'];
    expect(closestCommand('keys:similarty:runs/a', ids)).toEqual({ id: 'keys:similarity', typed: 'keys:similarty' });
    expect(closestCommand('evalute:runs/mnist', ids)).toEqual({ id: 'evaluate', typed: 'evalute' });
    expect(closestCommand('kyes:add', ids)).toEqual({ id: 'keys:add', typed: 'kyes:add' });
    expect(closestCommand('anything', [])).toBeUndefined();
  });
});
