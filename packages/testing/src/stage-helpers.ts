import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@attrib/core';
import type { TrainingEvent } from '@attrib/core';

/** Values of every weight of a generator, by name. */
export function weights(generator: Generator): Record<string, number[]> {
  const state = generator.state();
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(state)) out[name] = Array.from(t.dataSync());
  tf.dispose(Object.values(state));
  return out;
}

/** An event handler that throws out of the stage at `epoch`, `step`, as a crash would. */
export function crashAt(epoch: number, step: number): (e: TrainingEvent) => void {
  return (e) => {
    if (e.type === 'step' && e.epoch === epoch && e.step === step) throw new Error('simulated crash');
  };
}
