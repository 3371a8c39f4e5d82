import { Flags } from '@oclif/core';

/**
 * `--workers N`: worker threads `doing` `units` side by side (e.g. "training", "generators").
 * Undefined when not given, so that the config file and core's default apply.
 */
export function workersFlag(units: string, doing = 'training') {
  return Flags.integer({
    min: 1,
    summary: `Worker threads ${doing} ${units} side by side (same results as one after another; 1: in this thread). Default: env ATTRIB_WORKERS, else on the wasm and cpu backends one per ${units.replace(/s$/, '')}, at most the number of cores; else 1.`,
  });
}
