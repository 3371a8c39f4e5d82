import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { glob } from '../util/glob.js';

/**
 * Where a plugin was found: the workspace's own packages, an installed package that declares
 * itself a plugin, a package the CLI installed or linked as an oclif plugin
 * (`attrib plugins install|link`), or a user plugin folder.
 */
export type PluginSourceKind = 'workspace' | 'node_modules' | 'oclif' | 'folder';

/** A plugin module found on disk, not yet imported. */
export interface PluginCandidate {
  /** Package name, or the file name of a loose plugin file. */
  readonly name: string;
  /** Package version; `undefined` for a loose file. */
  readonly version?: string;
  /** The package folder, or the loose file itself. */
  readonly location: string;
  /** Absolute path of the module to import. */
  readonly entry: string;
  readonly source: PluginSourceKind;
}

/** Where {@link discoverPlugins} looks. */
export interface DiscoverOptions {
  /** Walk up from here to the folder holding `pnpm-workspace.yaml` and take its `packages/*`. */
  readonly workspaceFrom?: string;
  /**
   * For each root, the `node_modules` folders of the root and of each of its ancestors (Node's
   * own lookup order) are searched for packages whose package.json has an `attrib.plugin` entry.
   */
  readonly nodeModulesRoots?: readonly string[];
  /**
   * Package folders of the CLI's installed and linked oclif plugins (`attrib plugins install|link`).
   * Each is taken when its package.json has an `attrib.plugin` entry, like an installed package;
   * one that only adds commands is skipped silently.
   */
  readonly oclifPluginRoots?: readonly string[];
  /**
   * User plugin folders: each subfolder with a package.json is a plugin package, each loose
   * `*.js`/`*.mjs` file is a plugin module. A folder that itself holds a plugin package.json is
   * taken as that one package.
   */
  readonly pluginDirs?: readonly string[];
  /**
   * Prefer a package's `attrib.pluginSource` (TypeScript) over `attrib.plugin` when the file
   * exists. Defaults to whether this module itself runs from TypeScript source.
   */
  readonly preferSource?: boolean;
}

/** What {@link discoverPlugins} found, plus one-line warnings about what it had to skip. */
export interface Discovery {
  readonly candidates: PluginCandidate[];
  readonly warnings: string[];
}

/** The `attrib` field of a plugin's package.json. */
interface AttribField {
  plugin?: unknown;
  pluginSource?: unknown;
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  attrib?: AttribField;
}

/** True when attrib runs from its TypeScript sources (tsx, vitest), not from a build. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The folder holding `pnpm-workspace.yaml` at or above `from`, if any. */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `root/node_modules`, then the `node_modules` of each ancestor, as far as they exist. */
export function nodeModulesChain(root: string): string[] {
  const chain: string[] = [];
  let dir = resolve(root);
  for (;;) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules');
      if (existsSync(candidate)) chain.push(candidate);
    }
    const parent = dirname(dir);
    if (parent === dir) return chain;
    dir = parent;
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function readPackageJson(file: string): PackageJson {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as PackageJson;
  } catch (error) {
    throw new Error(`${file}: not a valid package.json (${(error as Error).message})`);
  }
}

function declaresPlugin(pkg: PackageJson): boolean {
  return typeof pkg.attrib === 'object' && pkg.attrib !== null && typeof pkg.attrib.plugin === 'string';
}

/**
 * The module a plugin package names. `allowMain`: a package in a user plugin folder may omit the
 * `attrib` field and name its module with `main` (or ship `index.js`).
 */
function packageEntry(dir: string, pkg: PackageJson, preferSource: boolean, allowMain: boolean): string {
  const label = typeof pkg.name === 'string' ? pkg.name : dir;
  const attrib = pkg.attrib ?? {};
  if (preferSource && typeof attrib.pluginSource === 'string') {
    const source = resolve(dir, attrib.pluginSource);
    if (existsSync(source)) return source;
  }
  let relative: string | undefined;
  if (typeof attrib.plugin === 'string') relative = attrib.plugin;
  else if (allowMain) relative = typeof pkg.main === 'string' ? pkg.main : 'index.js';
  if (relative === undefined) throw new Error(`${label}: package.json has no "attrib": { "plugin": ... } entry`);
  const entry = resolve(dir, relative);
  if (!existsSync(entry)) {
    const hint = relative.includes('dist/') ? ' (is the package built? run `pnpm build`)' : '';
    throw new Error(`${label}: plugin module ${entry} does not exist${hint}`);
  }
  return entry;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds plugin modules without importing them, in this order: workspace packages, installed
 * packages, the CLI's installed and linked oclif plugins, user plugin folders. A package name seen twice keeps its first location (a
 * `node_modules` symlink to a workspace package is the same package and is skipped silently).
 */
export async function discoverPlugins(options: DiscoverOptions): Promise<Discovery> {
  const preferSource = options.preferSource ?? RUNNING_FROM_SOURCE;
  const candidates: PluginCandidate[] = [];
  const warnings: string[] = [];
  const byName = new Map<string, PluginCandidate>();
  const seenLocations = new Set<string>();

  /** True (with a warning if it is another folder) when this package was already taken. */
  const duplicate = (name: string, location: string): boolean => {
    if (seenLocations.has(realpathOrSelf(location))) return true;
    const previous = byName.get(name);
    if (!previous) return false;
    warnings.push(`plugin ${name} found twice: using ${previous.location}, ignoring ${location}`);
    return true;
  };

  const add = (candidate: PluginCandidate): void => {
    if (duplicate(candidate.name, candidate.location)) return;
    seenLocations.add(realpathOrSelf(candidate.location));
    byName.set(candidate.name, candidate);
    candidates.push(candidate);
  };

  /** A package folder; `required`: a user put it there, so a missing entry is worth a warning. */
  const addPackage = (dir: string, source: PluginSourceKind, required: boolean): void => {
    let pkg: PackageJson;
    try {
      pkg = readPackageJson(join(dir, 'package.json'));
    } catch (error) {
      if (required) warnings.push(`plugin skipped: ${(error as Error).message}`);
      return;
    }
    if (!required && !declaresPlugin(pkg)) return;
    const name = typeof pkg.name === 'string' && pkg.name.length > 0 ? pkg.name : basename(dir);
    if (duplicate(name, dir)) return;
    try {
      const entry = packageEntry(dir, pkg, preferSource, source === 'folder');
      add({ name, ...(typeof pkg.version === 'string' ? { version: pkg.version } : {}), location: dir, entry, source });
    } catch (error) {
      warnings.push(`plugin skipped: ${(error as Error).message}`);
    }
  };

  if (options.workspaceFrom !== undefined) {
    const root = findWorkspaceRoot(options.workspaceFrom);
    if (root) {
      const files = await glob('packages/*/package.json', { cwd: root, absolute: true });
      for (const file of files.sort()) addPackage(dirname(file), 'workspace', false);
    }
  }

  for (const root of options.nodeModulesRoots ?? []) {
    for (const nodeModules of nodeModulesChain(root)) {
      const files = await glob(['*/package.json', '@*/*/package.json'], { cwd: nodeModules, absolute: true });
      for (const file of files.sort()) addPackage(dirname(file), 'node_modules', false);
    }
  }

  for (const root of options.oclifPluginRoots ?? []) addPackage(resolve(root), 'oclif', false);

  for (const folder of options.pluginDirs ?? []) {
    const dir = resolve(folder);
    if (!isDirectory(dir)) {
      warnings.push(`plugin folder ${dir} does not exist or is not a folder`);
      continue;
    }
    if (existsSync(join(dir, 'package.json'))) {
      addPackage(dir, 'folder', true);
      continue;
    }
    const packages = await glob('*/package.json', { cwd: dir, absolute: true });
    for (const file of packages.sort()) addPackage(dirname(file), 'folder', true);
    const loose = await glob(['*.js', '*.mjs'], { cwd: dir, absolute: true, onlyFiles: true });
    for (const file of loose.sort()) add({ name: basename(file), location: file, entry: file, source: 'folder' });
  }

  return { candidates, warnings };
}
