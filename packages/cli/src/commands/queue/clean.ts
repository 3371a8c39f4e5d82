import { cleanQueue, type CleanResult } from '@attrib/queue';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { queueAddress, requiredQueueFlag } from '../../run/queue-flag.js';

export default class QueueClean extends AttribCommand<typeof QueueClean> {
  static override summary = 'Remove the finished units (completed and failed) from a job queue; --all: the waiting ones too.';

  static override description = `Units being trained are never removed: their workers finish them. A command waiting for units
removed with --all waits until it is stopped; run it again with --resume to put them back.`;

  static override examples = [
    '<%= config.bin %> queue clean --queue redis://10.0.0.5:6379',
    '<%= config.bin %> queue clean --queue redis://10.0.0.5:6379 --all',
  ];

  static override flags = {
    queue: requiredQueueFlag('The job queue (BullMQ on Redis).'),
    all: Flags.boolean({ summary: 'Also remove the units waiting for a worker or for a retry.' }),
  };

  async run(): Promise<CleanResult> {
    const result = await cleanQueue(queueAddress(this.flags.queue), { all: this.flags.all });
    this.out(`removed ${Object.entries(result.removed).map(([state, count]) => `${count} ${state}`).join(', ')}`);
    return result;
  }
}
