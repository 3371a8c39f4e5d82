import { addUser, type AddUserResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { parseMeta, registryArg } from '../../registry/registry-arg.js';
import { trainingHooks } from '../../run/training-progress.js';

export default class RegistryAdd extends AttribCommand<typeof RegistryAdd> {
  static override summary = 'Add a user: train a key orthogonal to all the registry has issued, and its keyed generator.';

  static override description = `The key is trained against the root, the real data and every key the registry has issued
(removed users' too), then a keyed generator from the root, with the options recorded by
\`registry init\`. Several processes may add users to one registry at once: key ids are handed
out under the registry's lock, and a key is trained again if another process recorded a key
while it was training. An interrupted addition is finished by adding the same user again.
The key stays in the registry; \`attrib registry export\` hands it out.`;

  static override examples = [
    '<%= config.bin %> registry add vendor/ --user alice --meta email=alice@example.com --meta plan=pro',
  ];

  static override args = { registry: registryArg };

  static override flags = {
    user: Flags.string({ summary: 'Id of the user (any text on one line, not of the form key-<n>).', required: true }),
    meta: Flags.string({ summary: 'Metadata recorded with the user, key=value (repeatable).', multiple: true, multipleNonGreedy: true }),
  };

  async run(): Promise<AddUserResult> {
    const meta = parseMeta(this.flags.meta ?? []);
    const dir = this.configPath(this.args.registry);
    await this.backend();
    const result = await addUser(await this.plugins(), { dir, user: this.flags.user, meta },
      trainingHooks({ progress: (l, t) => this.progress(l, t), info: (t) => this.info(t), warn: (t) => this.warnLine(t) }));
    this.out(`user ${result.user} added to ${dir}: ${result.key} (orthogonal to ${result.orthogonalTo.join(', ')}) and its generator`);
    return result;
  }
}
