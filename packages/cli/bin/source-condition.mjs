// A Node module-resolution hook that adds the "source" export condition, so that in development
// `@attrib/core` and the other workspace packages resolve to their TypeScript sources (their
// package.json `exports` have a `source` entry) instead of a build that may be stale or absent.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('source') ? context.conditions : [...context.conditions, 'source'];
  return nextResolve(specifier, { ...context, conditions });
}
