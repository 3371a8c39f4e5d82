import { listRegistry, type RegistryListing, type UserListing } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../../base-command.js';
import { registryArg } from '../../registry/registry-arg.js';
import { formatTable } from '../../table.js';

export default class RegistryList extends AttribCommand<typeof RegistryList> {
  static override summary = "List a registry's users: ids, metadata, key ids, dates (never key vectors).";

  static override examples = ['<%= config.bin %> registry list vendor/', '<%= config.bin %> registry list vendor/ --removed --json'];

  static override args = { registry: registryArg };

  static override flags = {
    removed: Flags.boolean({ summary: 'Also list removed users.' }),
  };

  async run(): Promise<RegistryListing> {
    const listing = await listRegistry(this.configPath(this.args.registry));
    const rows = (users: readonly UserListing[]) => users.map((u) => [
      u.user, u.key, u.status, u.createdAt, ...(u.removedAt ? [u.removedAt] : []), String(u.exports),
      Object.entries(u.meta).map(([k, v]) => `${k}=${v}`).join(' '),
    ]);
    this.out(`${listing.dir}: ${listing.adapter} root, ${listing.imageShape.height}x${listing.imageShape.width}x${listing.imageShape.channels} images; ` +
      `${listing.users.length} user(s); registry's own key(s): ${listing.registryKeys.join(', ')}`);
    if (listing.users.length > 0) this.out(formatTable(['user', 'key', 'status', 'created', 'exports', 'meta'], rows(listing.users)));
    if (this.flags.removed && listing.removed.length > 0) {
      this.out(`removed (files in ${listing.dir}/removed):`);
      this.out(formatTable(['user', 'key', 'status', 'created', 'removed', 'exports', 'meta'], rows(listing.removed)));
    }
    return listing;
  }
}
