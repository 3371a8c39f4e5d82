import { expect } from 'vitest';
import { snapshot } from './run-fixture.js';

/**
 * Runs `action`, which must fail with a one-line error matching `message`, and checks that no
 * file under `dir` was added, removed or changed.
 */
export async function expectRejectsUnchanged(dir: string, action: () => Promise<unknown>, message: string | RegExp): Promise<void> {
  const before = await snapshot(dir);
  const error = await action().then(() => undefined, (e: Error) => e);
  expect(error, 'expected an error').toBeInstanceOf(Error);
  expect(error!.message).toMatch(message);
  expect(error!.message).not.toContain('\n');
  expect(await snapshot(dir)).toEqual(before);
}
