let counter = 0;

/**
 * TensorFlow.js registers variables by name in one process-wide table, so two generators (the
 * root and its keyed copies) need distinct names; the state-dict name stays readable in them.
 */
export function uniqueVariableName(label: string): string {
  counter += 1;
  return `dcgan/${counter}/${label}`;
}
