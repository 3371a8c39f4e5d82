export { TOKENS, type PluginKind } from './tokens.js';
export { definePlugin, type AttribPlugin, type PluginRegistrar } from './plugin.js';
