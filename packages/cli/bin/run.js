#!/usr/bin/env node
// Runs the built CLI (dist/). Build it first with `npx pnpm@12.4.2 build`.
import { register } from 'node:module';

// Plugins take @attrib/cli, @oclif/core, TensorFlow.js and tsyringe from the CLI (see shared-modules.mjs).
register('./shared-modules.mjs', import.meta.url, { data: { cliPackageJson: new URL('../package.json', import.meta.url).href } });

const { execute, settings } = await import('@oclif/core');
// Plugins run as JavaScript: oclif does not try to compile a linked plugin's TypeScript sources.
settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
