import { addUser, addUsers, type AddUserResult, type AddUsersResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { parseMeta, registryArg } from '../../registry/registry-arg.js';
import { trainingHooks } from '../../run/training-progress.js';
import { taskDispatcher, taskQueueFlag } from '../../run/queue-flag.js';

export default class RegistryAdd extends AttribCommand<typeof RegistryAdd> {
  static override summary = 'Add a user: train a key orthogonal to all the registry has issued, and its keyed generator.';

  static override description = `The key is trained against the root, the real data and every key the registry has issued
(removed users' too), then a keyed generator from the root, with the options recorded by
\`registry init\`. Several processes may add users to one registry at once: key ids are handed
out under the registry's lock, and a key is trained again if another process recorded a key
while it was training. An interrupted addition is finished by adding the same user again.
--count N provisions N users, USER-1 to USER-N: their keys one after another here, then their
generators, here or with --queue by \`attrib worker\` processes on machines that mount the registry
at the same path (the same files either way); users already added are skipped, so running it
again finishes an interrupted provisioning. The key stays in the registry; \`attrib registry
export\` hands it out.`;

  static override examples = [
    '<%= config.bin %> registry add vendor/ --user alice --meta email=alice@example.com --meta plan=pro',
    '<%= config.bin %> registry add vendor/ --user batch7 --count 100 --queue redis://10.0.0.5:6379',
  ];

  static override args = { registry: registryArg };

  static override flags = {
    user: Flags.string({ summary: 'Id of the user (any text on one line, not of the form key-<n>); with --count, the prefix of the ids.', required: true }),
    meta: Flags.string({ summary: 'Metadata recorded with the user, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
    count: Flags.integer({ min: 1, summary: 'Provision this many users, USER-1 to USER-N.' }),
    queue: taskQueueFlag,
  };

  async run(): Promise<AddUserResult | AddUsersResult> {
    const meta = parseMeta(this.flags.meta ?? []);
    const dir = this.configPath(this.args.registry);
    const { count, queue, user } = this.flags;
    if (queue !== undefined && count === undefined) throw new Error('--queue needs --count (users provisioned together; one user is added here)');
    await this.backend();
    const hooks = trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) });
    if (count !== undefined) {
      const users = Array.from({ length: count }, (_, i) => `${user}-${i + 1}`);
      const result = await addUsers(await this.plugins(), { dir, users, meta, ...taskDispatcher(queue, (t) => this.info(t)) }, hooks);
      this.out(`${result.added.length} users added to ${dir}${result.skipped.length ? ` (${result.skipped.length} were there already)` : ''}: ${result.added.map((a) => `${a.user} ${a.key}`).join(', ') || 'none'}`);
      return result;
    }
    const result = await addUser(await this.plugins(), { dir, user, meta }, hooks);
    this.out(`user ${result.user} added to ${dir}: ${result.key} (orthogonal to ${result.orthogonalTo.join(', ')}) and its generator`);
    return result;
  }
}
