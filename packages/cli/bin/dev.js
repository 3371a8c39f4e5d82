#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, with no build: tsx compiles on the fly, the "source"
// export condition resolves workspace packages to src/, and oclif reads the commands from
// src/commands and the hooks from src/hooks instead of dist/. (oclif's own development mode would register tsx and
// ts-node itself and map dist/ to src/ through tsconfig.json; it fails with tsx 4.23 and no
// ts-node, so the mapping is done here, explicitly.)
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./source-condition.mjs', import.meta.url);
// Plugins take @attrib/cli, @oclif/core, TensorFlow.js and tsyringe from the CLI (see shared-modules.mjs).
register('./shared-modules.mjs', import.meta.url, { data: { cliPackageJson: new URL('../package.json', import.meta.url).href } });

// `pnpm attrib ...` runs this from the workspace root; relative paths mean the caller's folder.
if (['attrib', 'demo'].includes(process.env.npm_lifecycle_event ?? '') && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const toSource = (path) => path.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
const hooks = Object.fromEntries(Object.entries(pjson.oclif.hooks ?? {}).map(([event, paths]) =>
  [event, Array.isArray(paths) ? paths.map(toSource) : toSource(paths)]));
pjson.oclif = { ...pjson.oclif, commands: './src/commands', hooks };

const { execute, settings } = await import('@oclif/core');
settings.enableAutoTranspile = false;
await execute({ loadOptions: { root, pjson } });
