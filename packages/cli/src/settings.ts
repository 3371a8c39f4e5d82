/** A JSON-like value a setting may hold. */
type SettingValue = unknown;

/** Where the settings of one command come from, highest precedence first. */
export interface SettingSources<S extends Record<string, SettingValue>> {
  /** Values given on the command line; `undefined` means "not given". */
  readonly flags: Partial<Record<keyof S, SettingValue>>;
  /** Values of the config file (already narrowed to the command's section, if any). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The config file's path, for messages. */
  readonly configPath?: string;
  readonly defaults: S;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  return typeof value;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Merges one command's settings: flags over config over defaults, key by key. A config value
 * whose type differs from its default's (a string where a number belongs) is a one-line error
 * naming the file and key. Keys of the config the defaults do not name are ignored (a config
 * file may hold the settings of several commands).
 */
export function mergeSettings<S extends Record<string, SettingValue>>(sources: SettingSources<S>): S {
  const merged: Record<string, unknown> = { ...sources.defaults };
  for (const key of Object.keys(sources.defaults)) {
    const flag = sources.flags[key as keyof S];
    if (flag !== undefined) {
      merged[key] = flag;
      continue;
    }
    if (!(key in sources.config)) continue;
    const fromConfig = sources.config[key];
    const fallback = sources.defaults[key];
    if (fallback !== undefined && fallback !== null && typeName(fromConfig) !== typeName(fallback)) {
      const where = sources.configPath ? `config file ${sources.configPath}` : 'config';
      throw new Error(`${where}: "${key}" (flag --${kebab(key)}) must be a ${typeName(fallback)}, got ${JSON.stringify(fromConfig)}`);
    }
    merged[key] = fromConfig;
  }
  return merged as S;
}
