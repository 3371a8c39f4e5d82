import type { Command } from '@oclif/core';
import { STAGE_FLAGS } from './run/stage-flags.js';

/** `batch-size` → `batchSize`: how a flag is named in a config file. */
export function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Settings commands read from a config file under a name that is not a flag's (`params` of the
 * repeatable `--param`, `pluginsDir` of `--plugins-dir`, the stage options by engine name).
 */
const EXTRA_KEYS = ['params', 'pluginsDir', 'angleTerm', 'dataSplit', 'inputsSplit'];

/**
 * Every key a config file may hold: the flags of every command (camelCase), the stage options
 * and their engine names, and the config sections. A config file may hold the settings of several
 * commands, so a key is known when any command reads it.
 */
export function knownConfigKeys(commands: readonly Pick<Command.Loadable, 'flags'>[], sections: ReadonlySet<string>): Set<string> {
  const known = new Set<string>([...EXTRA_KEYS, ...sections]);
  for (const command of commands) for (const flag of Object.keys(command.flags ?? {})) known.add(camelCase(flag));
  for (const specs of Object.values(STAGE_FLAGS)) {
    for (const spec of specs) {
      known.add(spec.option);
      known.add(camelCase(spec.flag));
    }
  }
  known.delete('json');
  known.delete('config');
  return known;
}

/**
 * The keys of a config file no command reads, each with where it is (`epoch`, `generators.epoch`):
 * top-level keys and the keys of section mappings.
 */
export function unknownConfigKeys(values: Readonly<Record<string, unknown>>, known: ReadonlySet<string>, sections: ReadonlySet<string>): string[] {
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (sections.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const inner of Object.keys(value)) if (!known.has(inner)) unknown.push(`${key}.${inner}`);
    } else if (!known.has(key)) {
      unknown.push(key);
    }
  }
  return unknown;
}

/** The known key nearest to `key` (edit distance at most 2), for a "did you mean" hint. */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** The one-line message about unknown keys: each (with a hint when one is close) and the known keys. */
export function unknownKeysMessage(path: string, unknown: readonly string[], known: ReadonlySet<string>): string {
  const described = unknown.map((where) => {
    const hint = nearestKey(where.split('.').pop()!, known);
    return hint ? `"${where}" (did you mean "${hint}"?)` : `"${where}"`;
  });
  return `config file ${path}: unknown setting${unknown.length > 1 ? 's' : ''} ${described.join(', ')}; known settings: ${[...known].sort().join(', ')}`;
}
