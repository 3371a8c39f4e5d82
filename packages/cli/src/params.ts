import type { ParamValue } from '@attrib/core';

/** `3` → number, `true`/`false` → boolean, `1,2.5` → list of numbers, anything else a string. */
export function parseParamValue(text: string): ParamValue {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  const asNumber = (part: string): number | undefined => (part.trim() !== '' && Number.isFinite(Number(part)) ? Number(part) : undefined);
  const single = asNumber(trimmed);
  if (single !== undefined) return single;
  if (trimmed.includes(',')) {
    const parts = trimmed.split(',').map(asNumber);
    if (parts.every((p) => p !== undefined)) return parts as number[];
  }
  return text;
}

/** `--param key=value` flags to an object; a malformed one is a one-line error naming it. */
export function parseParams(entries: readonly string[], flag = '--param'): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new Error(`${flag} ${JSON.stringify(entry)}: expected key=value`);
    params[entry.slice(0, equals).trim()] = parseParamValue(entry.slice(equals + 1));
  }
  return params;
}
