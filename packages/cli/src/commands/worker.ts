import { closeOnSignals, startQueueWorker, type QueueWorker } from '@attrib/queue';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { queueAddress, requiredQueueFlag } from '../run/queue-flag.js';

/** What `attrib worker --json` prints once it has stopped. */
export interface WorkerResult {
  readonly queue: string;
  readonly concurrency: number;
}

export default class Worker extends AttribCommand<typeof Worker> {
  static override summary = 'Run units from a job queue until stopped (SIGTERM or Ctrl-C).';

  static override description = `Takes units that commands given --queue put on the queue (keyed and robust generators, metrics
and their parts, study cells, registry users' generators) and runs each in one of --concurrency
threads with the code that runs them in the command, so the results are the same. Every worker must
see the run folders at the path the command gave (a shared file system mounted at the same path).
SIGTERM: no more units are taken, the units in hand are finished, then the worker exits; a second
SIGTERM hands them back to the queue at once. A worker killed outright hands its units back too:
another worker takes them up again after the lock time and resumes them after their last
finished epoch. See docs/queue.md.`;

  static override examples = [
    '<%= config.bin %> worker --queue redis://10.0.0.5:6379',
    '<%= config.bin %> worker --queue redis://:secret@10.0.0.5:6379/1 --concurrency 2',
  ];

  static override flags = {
    queue: requiredQueueFlag('The job queue to take units from (BullMQ on Redis).'),
    concurrency: Flags.integer({ min: 1, summary: 'Units trained side by side, each in its own thread (one per core on the wasm and cpu backends). Default: 1.' }),
    'lock-seconds': Flags.integer({
      min: 1,
      summary: 'How long a unit stays locked to this worker between renewals; a worker killed mid-unit hands it back within about twice this. Default: 30.',
    }),
  };

  async run(): Promise<WorkerResult> {
    const address = queueAddress(this.flags.queue);
    const concurrency = this.flags.concurrency ?? 1;
    const modules = (await this.plugins()).pluginModules();
    if (!modules) throw new Error('the plugins of this installation were not registered from modules a unit thread could load; a worker cannot serve units');
    const worker: QueueWorker = startQueueWorker({
      address, plugins: modules, concurrency, log: (line) => this.info(line),
      ...(this.flags['lock-seconds'] !== undefined ? { lockMs: this.flags['lock-seconds'] * 1000 } : {}),
    });
    const closed = closeOnSignals(worker, (line) => this.info(line));
    await worker.ready;
    this.info(`worker on queue ${address.display}: ${concurrency} unit thread${concurrency === 1 ? '' : 's'}, waiting for units`);
    await closed;
    this.out('worker stopped');
    return { queue: address.display, concurrency };
  }
}
