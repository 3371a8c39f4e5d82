import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { ImageSourceFactory } from '../contracts/image-source.js';
import type { Metric } from '../contracts/metric.js';
import type { PostProcessFactory } from '../contracts/post-process.js';
import type { AttribPlugin, PluginRegistrar } from './plugin.js';
import { TOKENS, type PluginKind } from './tokens.js';

/** What each kind of contribution is. */
export interface ContributionTypes {
  adapter: GeneratorAdapter;
  postProcess: PostProcessFactory;
  metric: Metric;
  imageSource: ImageSourceFactory;
}

/** Who contributed something: a plugin package (or a loose plugin file) and its version. */
export interface PluginOrigin {
  /** Package name, or the file name of a loose plugin file. */
  readonly name: string;
  /** Package version; `undefined` for a loose file without a package.json. */
  readonly version?: string;
  /**
   * Absolute path of the module the plugin was imported from (its default or `plugin` export).
   * Lets another thread load the same plugins (see {@link PluginHost.pluginModules}).
   */
  readonly entry?: string;
}

/** A registered plugin's module, enough to register the same plugin in another thread. */
export interface PluginModule {
  readonly name: string;
  readonly version?: string;
  /** Absolute path of the module. */
  readonly entry: string;
}

/** One registered contribution, as `attrib components` lists it. */
export interface ContributionRecord {
  readonly kind: PluginKind;
  readonly name: string;
  readonly description: string;
  /** The plugin package that registered it. */
  readonly plugin: string;
  readonly version?: string;
}

/**
 * The plugin registry of one CLI invocation or one test: a child of tsyringe's root container,
 * so two hosts never see each other's registrations and nothing is a process-global singleton.
 */
export interface PluginHost {
  /** The container the contributions are registered in (`useValue`, under {@link TOKENS}). */
  readonly container: DependencyContainer;
  /**
   * Runs a plugin's `register` and commits what it registered. Either all of a plugin's
   * contributions are committed or none: a plugin that throws, or registers a name that is taken
   * (the error names both plugins), leaves the host unchanged and the error propagates.
   */
  register(plugin: AttribPlugin, origin: PluginOrigin): Promise<void>;
  /** The named contribution; throws a one-line error listing the available names if unknown. */
  adapter(name: string): GeneratorAdapter;
  postProcess(name: string): PostProcessFactory;
  metric(name: string): Metric;
  imageSource(name: string): ImageSourceFactory;
  /** Every contribution of a kind, in registration order (empty if none). */
  all<K extends PluginKind>(kind: K): ContributionTypes[K][];
  /** What was registered and by whom: of one kind, or of every kind when `kind` is omitted. */
  list(kind?: PluginKind): ContributionRecord[];
  /**
   * The modules of every registered plugin, in registration order, so that a worker thread can
   * build the same contributions; `undefined` when a plugin was registered without its `entry`.
   */
  pluginModules(): PluginModule[] | undefined;
}

/** How a kind is called in messages. */
const KIND_LABEL: Record<PluginKind, string> = {
  adapter: 'adapter',
  postProcess: 'post-process',
  metric: 'metric',
  imageSource: 'image source',
};

const KINDS = Object.keys(TOKENS) as PluginKind[];

function describeOrigin(origin: PluginOrigin): string {
  return origin.version ? `${origin.name}@${origin.version}` : origin.name;
}

interface Staged {
  kind: PluginKind;
  value: { name: string; description: string };
}

/**
 * Makes a fresh {@link PluginHost}. Its registrar hands plugins this module's
 * `@tensorflow/tfjs-core` namespace as `registrar.tf`, the one engine of the process.
 */
export function createPluginHost(): PluginHost {
  const container = rootContainer.createChildContainer();
  const records: ContributionRecord[] = [];
  const modules: Array<PluginModule | undefined> = [];

  function all<K extends PluginKind>(kind: K): ContributionTypes[K][] {
    // resolveAll throws when nothing is registered under the token: that means "none".
    if (!container.isRegistered(TOKENS[kind], false)) return [];
    return container.resolveAll<ContributionTypes[K]>(TOKENS[kind]);
  }

  function lookup<K extends PluginKind>(kind: K, name: string): ContributionTypes[K] {
    const candidates = all(kind);
    const found = candidates.find((item) => item.name === name);
    if (found) return found;
    const names = candidates.map((item) => item.name).sort();
    const available = names.length > 0 ? `available: ${names.join(', ')}` : 'none available (no plugin registered one)';
    throw new Error(`Unknown ${KIND_LABEL[kind]} "${name}"; ${available}`);
  }

  async function register(plugin: AttribPlugin, origin: PluginOrigin): Promise<void> {
    const staged: Staged[] = [];
    const stage = (kind: PluginKind) => (value: { name: string; description: string }) => {
      if (!value || typeof value.name !== 'string' || value.name.length === 0) {
        throw new Error(`${describeOrigin(origin)} registered a ${KIND_LABEL[kind]} without a name`);
      }
      const taken = records.find((r) => r.kind === kind && r.name === value.name);
      if (taken) {
        const by = taken.version ? `${taken.plugin}@${taken.version}` : taken.plugin;
        throw new Error(`${KIND_LABEL[kind]} "${value.name}" of ${describeOrigin(origin)} is already registered by ${by}`);
      }
      if (staged.some((s) => s.kind === kind && s.value.name === value.name)) {
        throw new Error(`${describeOrigin(origin)} registers ${KIND_LABEL[kind]} "${value.name}" twice`);
      }
      staged.push({ kind, value });
    };
    const registrar: PluginRegistrar = {
      tf,
      adapter: stage('adapter'),
      postProcess: stage('postProcess'),
      metric: stage('metric'),
      imageSource: stage('imageSource'),
    };
    await plugin.register(registrar);
    for (const { kind, value } of staged) {
      container.register(TOKENS[kind], { useValue: value });
      records.push({
        kind,
        name: value.name,
        description: value.description ?? '',
        plugin: origin.name,
        ...(origin.version !== undefined ? { version: origin.version } : {}),
      });
    }
    modules.push(origin.entry === undefined ? undefined : {
      name: origin.name, entry: origin.entry, ...(origin.version !== undefined ? { version: origin.version } : {}),
    });
  }

  return {
    container,
    register,
    adapter: (name) => lookup('adapter', name),
    postProcess: (name) => lookup('postProcess', name),
    metric: (name) => lookup('metric', name),
    imageSource: (name) => lookup('imageSource', name),
    all,
    list: (kind) => (kind ? records.filter((r) => r.kind === kind) : [...records].sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind))),
    pluginModules: () => (modules.every((m) => m !== undefined) ? [...modules] as PluginModule[] : undefined),
  };
}
