import type { Generator } from '../../contracts/generator.js';
import type { MetricContext, MetricOutline } from '../../contracts/metric.js';
import type { PostProcess } from '../../contracts/post-process.js';
import type { LinearKey } from '../../keys/linear-key.js';
import { createRng } from '../../util/rng.js';
import type { RunSession } from './session.js';

/** What one evaluation measures: keys `ids` and their generators of one variant. */
export interface EvaluationPlan {
  readonly ids: readonly string[];
  /** `plain` or `robust-<label>`. */
  readonly variant: string;
  readonly batchSize?: number | undefined;
}

/** The keys and keyed generators of a plan, loaded; `dispose` frees them. */
export interface EvaluationSubjects {
  readonly keys: readonly LinearKey[];
  readonly generators: readonly Generator[];
  dispose(): void;
}

export async function loadSubjects(session: RunSession, plan: EvaluationPlan): Promise<EvaluationSubjects> {
  const keys: LinearKey[] = [];
  const generators: Generator[] = [];
  const dispose = (): void => {
    keys.forEach((k) => k.dispose());
    generators.forEach((g) => g.dispose());
  };
  try {
    keys.push(...(await session.loadKeys(plan.ids)));
    for (const id of plan.ids) generators.push(await session.loadGenerator(id, plan.variant === 'plain' ? 'generator' : plan.variant));
  } catch (error) {
    dispose();
    throw error;
  }
  return { keys, generators, dispose };
}

/**
 * The context a metric computes in. Every metric gets the same random stream (the run seed's
 * 'evaluate' fork) and forks it by its own names, so a metric's result does not depend on which
 * metrics ran before it, or in which thread.
 */
export function metricContext(
  session: RunSession, subjects: EvaluationSubjects, plan: EvaluationPlan, postProcess: PostProcess | undefined,
  samples: number | undefined, progress: (done: number, total: number) => void,
): MetricContext {
  return {
    root: session.root, generators: subjects.generators, keys: subjects.keys, data: session.data,
    rng: createRng(session.folder.manifest.seed).fork('evaluate'),
    ...(postProcess ? { postProcess } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(plan.batchSize !== undefined ? { batchSize: plan.batchSize } : {}),
    progress,
  };
}

/** What this thread knows of a metric's context without loading the generators: its outline. */
export function metricOutline(plan: EvaluationPlan, postProcess: PostProcess | undefined, samples: number | undefined): MetricOutline {
  return {
    keys: plan.ids.map((id) => ({ id })),
    ...(postProcess ? { postProcess } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(plan.batchSize !== undefined ? { batchSize: plan.batchSize } : {}),
  };
}
