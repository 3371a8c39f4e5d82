import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The settings of a config file: camelCase keys as in `--flag-name` → `flagName`. */
export interface ConfigFile {
  /** Absolute path of the file, for messages. */
  readonly path: string;
  /** Folder of the file: relative paths inside it are resolved against this. */
  readonly dir: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Reads a config file: JSON when it ends in `.json`, else YAML (a superset of JSON). Throws a
 * one-line error naming the file when it cannot be read, parsed, or is not a mapping.
 */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`config file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const firstLine = (error as Error).message.split('\n')[0];
    throw new Error(`config file ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${firstLine})`);
  }
  if (parsed === null || parsed === undefined) parsed = {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`config file ${path}: expected a mapping of settings (key: value), got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  return { path, dir: dirname(path), values: parsed as Record<string, unknown> };
}
