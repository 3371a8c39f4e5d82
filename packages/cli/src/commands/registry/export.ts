import { exportUserKey, type ExportUserKeyResult } from '@attrib/core';
import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { AttribCommand } from '../../base-command.js';
import { registryArg } from '../../registry/registry-arg.js';

export default class RegistryExport extends AttribCommand<typeof RegistryExport> {
  static override summary = "Write a user's key file: the only way a key leaves the registry.";

  static override description = `Writes the key (attrib-key/1: shape, flattening order, float32 vector) to a new file and records
the export in the registry. An existing file is never overwritten.`;

  static override examples = ['<%= config.bin %> registry export vendor/ --user alice --out alice.key.json'];

  static override args = { registry: registryArg };

  static override flags = {
    user: Flags.string({ summary: 'Id of the user whose key to write.', required: true }),
    out: Flags.string({ summary: 'The key file to write (must not exist).', required: true }),
  };

  async run(): Promise<ExportUserKeyResult> {
    const result = await exportUserKey(this.configPath(this.args.registry), this.flags.user, resolve(this.flags.out));
    this.out(`key ${result.key} of user ${result.user} written to ${result.file}`);
    return result;
  }
}
