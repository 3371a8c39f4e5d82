export { TOKENS, type PluginKind } from './tokens.js';
export { definePlugin, type AttribPlugin, type PluginRegistrar } from './plugin.js';
export {
  createPluginHost,
  type ContributionRecord, type ContributionTypes, type PluginHost, type PluginModule, type PluginOrigin,
} from './host.js';
export {
  discoverPlugins, findWorkspaceRoot, nodeModulesChain, RUNNING_FROM_SOURCE,
  type DiscoverOptions, type Discovery, type PluginCandidate, type PluginSourceKind,
} from './discover.js';
export { createLoadedPluginHost, loadPlugins, registerPluginModules, type LoadedPluginHost, type LoadReport } from './load.js';
