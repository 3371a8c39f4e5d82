import { queueStatus, type QueueStatus } from '@attrib/queue';
import { AttribCommand } from '../../base-command.js';
import { queueAddress, requiredQueueFlag } from '../../run/queue-flag.js';

export default class QueueStatusCommand extends AttribCommand<typeof QueueStatusCommand> {
  static override summary = 'Show the units of a job queue by state, its workers and the units that failed.';

  static override examples = ['<%= config.bin %> queue status --queue redis://10.0.0.5:6379'];

  static override flags = {
    queue: requiredQueueFlag('The job queue (BullMQ on Redis).'),
  };

  async run(): Promise<QueueStatus> {
    const status = await queueStatus(queueAddress(this.flags.queue));
    const { counts } = status;
    this.out(`queue ${status.queue}: ${status.workers} worker${status.workers === 1 ? '' : 's'} connected`);
    this.out(['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'].map((state) => `${state} ${counts[state] ?? 0}`).join(', '));
    for (const name of status.active) this.out(`  training ${name}`);
    for (const unit of status.failed) this.out(`  failed ${unit.name} (${unit.attempts} attempt${unit.attempts === 1 ? '' : 's'}): ${unit.reason}`);
    return status;
  }
}
