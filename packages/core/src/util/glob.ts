import type { Options, Pattern } from 'fast-glob';

/**
 * fast-glob's `glob`, the package loaded on first use rather than with core (about 25 ms that
 * worker threads and most commands need not pay).
 */
export async function glob(patterns: Pattern | Pattern[], options: Options): Promise<string[]> {
  const { default: fg } = await import('fast-glob');
  return fg(patterns, options);
}
