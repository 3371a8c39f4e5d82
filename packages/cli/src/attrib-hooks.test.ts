import type { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { ATTRIB_HOOKS, emitRunFinished } from './attrib-hooks.js';

/** A stand-in for oclif's Config: records the hook calls and answers with `outcome`. */
function configAnswering(outcome: () => Promise<{ successes: unknown[]; failures: { plugin: { name: string }; error: Error }[] }>) {
  const calls: { event: string; options: unknown; captureErrors: unknown }[] = [];
  const config = {
    topicSeparator: ' ',
    runHook: async (event: string, options: unknown, _timeout: unknown, captureErrors: unknown) => {
      calls.push({ event, options, captureErrors });
      return outcome();
    },
  } as unknown as Config;
  return { config, calls };
}

describe('emitRunFinished', () => {
  it('fires attrib:run-finished with the command as typed, the run, the stage and the result', async () => {
    const { config, calls } = configAnswering(async () => ({ successes: [], failures: [] }));
    const warnings: string[] = [];
    await emitRunFinished(config, { commandId: 'keys:add', run: '/runs/a', stage: 'keys', result: { added: ['key-2'] } }, (line) => warnings.push(line));
    expect(calls).toEqual([{ event: ATTRIB_HOOKS.runFinished, options: { command: 'keys add', run: '/runs/a', stage: 'keys', result: { added: ['key-2'] } }, captureErrors: true }]);
    expect(warnings).toEqual([]);
  });

  it("turns a plugin's failing hook into a warning naming the plugin, and never throws", async () => {
    const failing = configAnswering(async () => ({ successes: [], failures: [{ plugin: { name: 'attrib-plugin-x' }, error: new Error('disk full\nwhile writing') }] }));
    const warnings: string[] = [];
    await emitRunFinished(failing.config, { commandId: 'evaluate', run: '/runs/a', stage: 'evaluate', result: {} }, (line) => warnings.push(line));
    expect(warnings).toEqual(['attrib:run-finished hook of plugin attrib-plugin-x failed: disk full while writing']);

    const throwing = configAnswering(async () => { throw new Error('hook module missing'); });
    await emitRunFinished(throwing.config, { commandId: 'evaluate', run: '/runs/a', stage: 'evaluate', result: {} }, (line) => warnings.push(line));
    expect(warnings[1]).toBe('attrib:run-finished hook failed: hook module missing');
  });
});
