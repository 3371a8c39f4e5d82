import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** For tests: a parity fixture of the CycleGAN adapter, written by its scripts/make_parity_fixtures.py. */
export function fixture(name: string): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '../../adapter-cyclegan/fixtures', name);
}
