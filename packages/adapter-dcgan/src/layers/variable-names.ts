import * as tf from '@tensorflow/tfjs-core';

let counter = 0;

/**
 * TensorFlow.js registers variables by name in one process-wide table, so two generators (the
 * root and its keyed copies) need distinct names; the state-dict name stays readable in them.
 */
export function uniqueVariableName(label: string): string {
  counter += 1;
  return `dcgan/${counter}/${label}`;
}

/**
 * A variable holding `initial`, which it takes over: the initial tensor is released (the
 * variable keeps its own reference to the data), so building a network leaves no tensor behind.
 */
export function ownedVariable(initial: tf.Tensor, trainable: boolean, label: string): tf.Variable {
  const variable = tf.variable(initial, trainable, uniqueVariableName(label));
  initial.dispose();
  return variable;
}
