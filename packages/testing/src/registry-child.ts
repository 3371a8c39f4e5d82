/**
 * A registry addition in a child process, for the concurrency test:
 *   node --import tsx --conditions=source registry-child.ts REGISTRY USER PEERS
 * Adds USER to REGISTRY (cpu backend, core's test doubles). At its first training step it waits
 * (up to 20 s) until registry.json lists PEERS users, so that every process has reserved its key
 * before any finishes training one. Prints the AddUserResult as JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addUser } from '@attrib/core';
import { useBackend } from './backend.js';
import { testHost } from './run-fixture.js';

const [registry, user, peers] = process.argv.slice(2);
await useBackend('cpu');
const host = await testHost();
const pause = new Int32Array(new SharedArrayBuffer(4));
let waited = false;
const result = await addUser(host, { dir: registry!, user: user!, meta: { pid: String(process.pid) } }, {
  onEvent: (event) => {
    if (waited || event.type !== 'step') return;
    waited = true;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const index = JSON.parse(readFileSync(join(registry!, 'registry.json'), 'utf8')) as { users: unknown[] };
      if (index.users.length >= Number(peers)) break;
      Atomics.wait(pause, 0, 0, 20);
    }
  },
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
