#!/usr/bin/env node
// Runs the built CLI (dist/). Build it first with `npx pnpm@12.4.2 build`.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
