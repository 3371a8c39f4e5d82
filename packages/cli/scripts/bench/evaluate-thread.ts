/**
 * One worker thread of the bench's `evaluate-2-threads` step (started by ours.ts through core's
 * worker loader): its own backend and copies of the models, then, when the parent says `go`, one
 * metric of the evaluation, then its result to the parent. What `attrib evaluate` does in each of
 * its metric threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attributability, distinguishability, selectBackend } from '@attrib/core';
import { evaluationSubjects } from './evaluation-subjects.js';

const { metric, backend } = workerData as { metric: 'distinguishability' | 'attributability'; backend?: string };
await selectBackend(backend !== undefined ? { prefer: backend } : {});
const subjects = await evaluationSubjects();
parentPort!.postMessage('ready');
await new Promise((resolve) => parentPort!.once('message', resolve));
try {
  const result = await (metric === 'distinguishability' ? distinguishability : attributability).compute(subjects.context());
  parentPort!.postMessage({ metric, summary: result.summary });
} finally {
  subjects.dispose();
}
