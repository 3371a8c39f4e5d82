import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';

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
    parsed = path.endsWith('.json') ? parseJsonSettings(text) : parseYamlSettings(text);
  } catch (error) {
    // A parser overflowing its stack on deep nesting says nothing useful: say what it was.
    const firstLine = error instanceof RangeError ? 'values nested too deeply to read; expected plain settings' : (error as Error).message.split('\n')[0];
    throw new Error(`config file ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${firstLine})`);
  }
  checkPlainData(parsed, path);
  if (parsed === null || parsed === undefined) parsed = {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`config file ${path}: expected a mapping of settings (key: value), got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  return { path, dir: dirname(path), values: parsed as Record<string, unknown> };
}

/** JSON, its errors as the line where parsing stopped rather than the engine's wording. */
function parseJsonSettings(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const position = /position (\d+)/.exec(error.message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    throw new Error(`${line === undefined ? 'a syntax error' : `a syntax error at line ${line}`}; expected a JSON object of settings`);
  }
}

/**
 * YAML as plain data: the core schema only, with nothing logged. A custom tag (`!!js/function`,
 * `!!python/object`) is an error, as are parse errors; each is one line (the library's own
 * warnings span several lines and go to the console).
 */
function parseYamlSettings(text: string): unknown {
  const document = parseDocument(text, { logLevel: 'silent', prettyErrors: false, schema: 'core' });
  const problem = document.errors[0] ?? document.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED') ?? document.warnings[0];
  if (problem) {
    if (/Maximum call stack/.test(problem.message)) throw new RangeError(problem.message);
    const tag = /Unresolved tag: (\S+)/.exec(problem.message)?.[1];
    const where = ` at line ${text.slice(0, problem.pos[0]).split('\n').length}`;
    throw new Error(tag ? `tag ${tag.replace(/^tag:yaml\.org,2002:/, '!!')}${where} is not plain data; expected only mappings, lists, strings, numbers and booleans` : `${problem.message.split('\n')[0]}${where}`);
  }
  return document.toJS({ maxAliasCount: 100 });
}

/** Config values nest at most this deep (settings are a few levels at most). */
const MAX_DEPTH = 64;

/** Refuses cyclic (a YAML alias inside its own anchor) or absurdly deep values, without recursion. */
function checkPlainData(value: unknown, path: string): void {
  const pending: { value: unknown; depth: number; ancestors: readonly object[] }[] = [{ value, depth: 0, ancestors: [] }];
  while (pending.length > 0) {
    const { value: item, depth, ancestors } = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (ancestors.includes(item)) throw new Error(`config file ${path}: a value contains itself (a YAML alias inside its anchor); expected plain settings`);
    if (depth > MAX_DEPTH) throw new Error(`config file ${path}: values nested more than ${MAX_DEPTH} deep; expected plain settings`);
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) pending.push({ value: child, depth: depth + 1, ancestors: [...ancestors, item] });
  }
}
