/**
 * A queue worker in a child process, for the queue tests:
 *   node --import tsx --conditions=source worker-child.ts REDIS_URL LOCK_MS
 * Serves units with the test plugins (test-dense) in one thread, prints `ready` once connected and
 * its log lines on stdout, and exits 0 once closed by SIGTERM.
 */
import { testHost } from '@attrib/testing/run-fixture';
import { closeOnSignals, parseQueueUrl, startQueueWorker } from '../src/index.js';

const [url, lockMs] = process.argv.slice(2);
const host = await testHost();
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const worker = startQueueWorker({ address: parseQueueUrl(url!), plugins: host.pluginModules()!, concurrency: 1, lockMs: Number(lockMs), log });
const closed = closeOnSignals(worker, log);
await worker.ready;
log('ready');
await closed;
log('closed');
process.exit(0);
