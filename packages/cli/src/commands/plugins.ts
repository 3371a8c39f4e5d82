import type { PluginKind } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { formatTable } from '../table.js';

/** How kinds are called on the command line and in `attrib plugins` output. */
const KIND_NAMES: Record<PluginKind, string> = {
  adapter: 'adapter',
  postProcess: 'post-process',
  metric: 'metric',
  imageSource: 'image-source',
};

export interface PluginsResult {
  /** Every contribution: its kind, name, the plugin package that registered it and its version. */
  contributions: { kind: string; name: string; package: string; version: string | null; description: string }[];
  /** Every plugin module that loaded, and where it was found. */
  plugins: { name: string; version: string | null; source: string; location: string }[];
  /** Plugins that failed to load, one line each. */
  warnings: string[];
}

export default class Plugins extends AttribCommand<typeof Plugins> {
  static override summary = 'List the adapters, post-processes, metrics and image sources the plugins registered.';

  static override description = `Discovers plugins the way every command does: the workspace's packages, installed packages
whose package.json declares "attrib": { "plugin": ... }, and the plugin folders (--plugins-dir, config key
pluginsDir, env ATTRIB_PLUGINS_DIR). A plugin that fails to load is named in a warning on stderr.`;

  static override examples = [
    '<%= config.bin %> plugins',
    '<%= config.bin %> plugins --kind post-process',
    '<%= config.bin %> plugins --plugins-dir ./my-plugins --json',
  ];

  static override flags = {
    kind: Flags.string({ summary: 'Only list contributions of this kind.', options: Object.values(KIND_NAMES) }),
  };

  async run(): Promise<PluginsResult> {
    const { host, loaded, warnings } = await this.pluginLoad();
    const kind = (Object.keys(KIND_NAMES) as PluginKind[]).find((k) => KIND_NAMES[k] === this.flags.kind);
    const contributions = host.list(kind).map((record) => ({
      kind: KIND_NAMES[record.kind],
      name: record.name,
      package: record.plugin,
      version: record.version ?? null,
      description: record.description,
    }));
    this.out(formatTable(
      ['kind', 'name', 'package', 'version'],
      contributions.map((c) => [c.kind, c.name, c.package, c.version ?? '-']),
    ));
    if (contributions.length === 0) this.out('(no contributions registered)');
    return {
      contributions,
      plugins: loaded.map((c) => ({ name: c.name, version: c.version ?? null, source: c.source, location: c.location })),
      warnings,
    };
  }
}
