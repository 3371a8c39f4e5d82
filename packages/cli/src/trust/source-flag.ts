import type { DataSpec } from '@attrib/core';
import { resolve } from 'node:path';
import { parseSourceSpec } from '../run/stage-flags.js';

/** `SOURCE`, `SOURCE:PATH` or `SOURCE@SPLIT` / `SOURCE:PATH@SPLIT` of flag `--flag` as a data spec. */
export function parseDataFlag(flag: string, spec: string): DataSpec {
  const at = spec.lastIndexOf('@');
  const base = at > 0 ? spec.slice(0, at) : spec;
  const split = at > 0 ? spec.slice(at + 1) : undefined;
  if (split === '') throw new Error(`--${flag} ${JSON.stringify(spec)}: expected a split name after '@'`);
  return { ...parseSourceSpec(flag, base, (p) => resolve(p)), ...(split ? { split } : {}) };
}
