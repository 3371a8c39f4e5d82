import { removeUser, type RemoveUserResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { registryArg } from '../../registry/registry-arg.js';

export default class RegistryRemove extends AttribCommand<typeof RegistryRemove> {
  static override summary = 'Remove a user; its key and generator files are moved to REGISTRY/removed/.';

  static override description = `The files are moved, not deleted: the user's generator may still be in circulation, so keys
added later are kept orthogonal to its key. \`identify --registry\` no longer names the user.`;

  static override examples = ['<%= config.bin %> registry remove vendor/ --user alice'];

  static override args = { registry: registryArg };

  static override flags = {
    user: Flags.string({ summary: 'Id of the user to remove.', required: true }),
  };

  async run(): Promise<RemoveUserResult> {
    const result = await removeUser(this.configPath(this.args.registry), this.flags.user);
    this.out(`user ${result.user} removed (${result.key}); moved ${result.moved.length ? result.moved.join(', ') : 'no files'}`);
    return result;
  }
}
