import type { PluginKind } from '@attrib/core';
import { Flags } from '@oclif/core';
import { AttribCommand } from '../base-command.js';
import { formatTable } from '../table.js';

/** How kinds are called on the command line and in `attrib components` output. */
const KIND_NAMES: Record<PluginKind, string> = {
  adapter: 'adapter',
  postProcess: 'post-process',
  metric: 'metric',
  imageSource: 'image-source',
};

export interface ComponentsResult {
  /** Every contribution: its kind, name, the plugin package that registered it and its version. */
  contributions: { kind: string; name: string; package: string; version: string | null; description: string }[];
  /** Every plugin module that loaded, and where it was found. */
  plugins: { name: string; version: string | null; source: string; location: string }[];
  /** Plugins that failed to load, one line each. */
  warnings: string[];
}

export default class Components extends AttribCommand<typeof Components> {
  static override summary = 'List the adapters, post-processes, metrics and image sources the plugins registered.';

  static override description = `Discovers plugins the way every command does: the workspace's packages, installed packages
whose package.json declares "attrib": { "plugin": ... }, the packages added with \`attrib plugins install\` or
\`attrib plugins link\` that declare one, and the plugin folders (--plugins-dir, config key pluginsDir, env
ATTRIB_PLUGINS_DIR). A plugin that fails to load is named in a warning on stderr. (\`attrib plugins\` lists the
installed oclif plugins, which may add commands, components or both.)`;

  static override examples = [
    '<%= config.bin %> components',
    '<%= config.bin %> components --kind post-process',
    '<%= config.bin %> components --plugins-dir ./my-plugins --json',
  ];

  static override flags = {
    kind: Flags.string({ summary: 'Only list contributions of this kind.', options: Object.values(KIND_NAMES) }),
  };

  async run(): Promise<ComponentsResult> {
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
