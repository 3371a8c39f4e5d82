export * from './contracts/index.js';
export { TOKENS, type PluginKind } from './plugins/tokens.js';
export { definePlugin, type AttribPlugin, type PluginRegistrar } from './plugins/plugin.js';
export { createRng, permutation } from './util/rng.js';
