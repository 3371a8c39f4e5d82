// Starts a worker thread from TypeScript sources: registers tsx and the "source" export condition
// (as packages/cli/bin/dev.js does for the main thread; a worker inherits neither), then imports
// the worker's module, workerData.entry.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
const sourceCondition = `export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('source') ? context.conditions : [...context.conditions, 'source'];
  return nextResolve(specifier, { ...context, conditions });
}`;
register(`data:text/javascript,${encodeURIComponent(sourceCondition)}`);
await import(workerData.entry);
