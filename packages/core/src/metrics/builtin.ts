import type { Metric } from '../contracts/metric.js';

/** The metrics attrib core registers as a plugin. */
export const builtinMetrics: readonly Metric[] = [];
