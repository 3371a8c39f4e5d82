import { Args } from '@oclif/core';

/** The REGISTRY argument every registry command takes. */
export const registryArg = Args.string({ name: 'registry', description: 'The registry folder.', required: true });

/** `--meta key=value` flags to metadata (values kept as text); a malformed one is a one-line error naming it. */
export function parseMeta(entries: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new Error(`--meta ${JSON.stringify(entry)}: expected key=value`);
    meta[entry.slice(0, equals).trim()] = entry.slice(equals + 1);
  }
  return meta;
}
