import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = {
    text: '',
    isTTY,
    columns: 80,
    write(chunk: string) { stream.text += chunk; return true; },
    cursorTo() { return true; },
    clearLine() { return true; },
    moveCursor() { return true; },
    on() { return stream; },
    removeListener() { return stream; },
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('createProgress', () => {
  it('prints plain lines at most every tenth of the work, and the last one, off a terminal', () => {
    const stream = fakeStream(false);
    const progress = createProgress('keys', 20, { silent: false, stream });
    for (let i = 0; i < 20; i++) progress.increment();
    progress.stop();
    expect(stream.text.split('\n').filter(Boolean)).toEqual(
      [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((n) => `keys: ${n}/20`),
    );
  });

  it('prints the final count on stop when the work ended early', () => {
    const stream = fakeStream(false);
    const progress = createProgress('epochs', 100, { silent: false, stream });
    progress.update(3);
    progress.stop();
    expect(stream.text).toBe('epochs: 3/100\n');
  });

  it('is silent with --json', () => {
    const stream = fakeStream(false);
    const progress = createProgress('x', 2, { silent: true, stream });
    progress.increment();
    progress.stop();
    expect(stream.text).toBe('');
  });

  it('draws a bar on a terminal', () => {
    const stream = fakeStream(true);
    const progress = createProgress('train', 4, { silent: false, stream });
    progress.update(4);
    progress.stop();
    expect(stream.text).toContain('train [');
    expect(stream.text).toContain('4/4 100%');
  });
});
