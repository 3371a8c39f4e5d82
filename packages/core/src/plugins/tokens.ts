/**
 * Injection tokens of the tsyringe container. attrib uses explicit tokens and `useValue`
 * registrations only, never decorator metadata: vitest's esbuild emits none, and a plugin built
 * by any toolchain works the same. Many implementations sit behind one token and are read with
 * `container.resolveAll(token)` (or `@injectAll(token)` in a class that wants them injected).
 * `Symbol.for` keeps the tokens equal even if a plugin bundles its own copy of this module.
 */
export const TOKENS = {
  adapter: Symbol.for('attrib.GeneratorAdapter'),
  postProcess: Symbol.for('attrib.PostProcessFactory'),
  metric: Symbol.for('attrib.Metric'),
  imageSource: Symbol.for('attrib.ImageSourceFactory'),
} as const;

/** The kinds of thing a plugin can contribute. */
export type PluginKind = keyof typeof TOKENS;
