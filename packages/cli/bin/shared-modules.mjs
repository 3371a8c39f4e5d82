// A Node module-resolution hook: the packages an attrib plugin takes from the CLI (its peer
// dependencies) resolve from the CLI's own folder, whoever imports them. A plugin installed or
// linked with `attrib plugins` lives outside the CLI's node_modules (in attrib's data folder, or
// anywhere for a link); without this it would not find @attrib/cli, or would load its own copy of
// TensorFlow.js (a second engine, without the backend the CLI picked) and of tsyringe (a second
// container tree). With it the process holds one copy of each.
export const SHARED_PACKAGES = ['@attrib/cli', '@attrib/core', '@oclif/core', '@tensorflow/tfjs-core', 'tsyringe', 'reflect-metadata'];

let cliPackageJson;

/** `data.cliPackageJson`: the file URL of the CLI's package.json, the folder these resolve from. */
export async function initialize(data) {
  cliPackageJson = data.cliPackageJson;
}

export async function resolve(specifier, context, nextResolve) {
  const shared = SHARED_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
  return nextResolve(specifier, shared ? { ...context, parentURL: cliPackageJson } : context);
}
