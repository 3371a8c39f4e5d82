import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../contracts/metric.js';
import type { PostProcessFactory } from '../contracts/post-process.js';
import { createPluginHost } from './host.js';
import { definePlugin, type PluginRegistrar } from './plugin.js';
import { TOKENS } from './tokens.js';

function postProcess(name: string): PostProcessFactory {
  return {
    name,
    description: `the ${name} post-process`,
    defaults: {},
    create: () => ({ name, params: {}, differentiable: true, apply: (images) => images.clone() }),
  };
}

function metric(name: string): Metric {
  return { name, description: `the ${name} metric`, compute: async () => ({ summary: { value: 1 } }) };
}

describe('createPluginHost', () => {
  it('registers contributions under the tokens and finds them by name', async () => {
    const host = createPluginHost();
    const blur = postProcess('blur');
    const crop = postProcess('crop');
    const dist = metric('distinguishability');
    await host.register(definePlugin({ register(r) { r.postProcess(blur); r.postProcess(crop); r.metric(dist); } }), { name: '@x/pp', version: '1.2.3' });

    expect(host.postProcess('crop')).toBe(crop);
    expect(host.metric('distinguishability')).toBe(dist);
    expect(host.container.resolveAll(TOKENS.postProcess)).toEqual([blur, crop]);
    expect(host.all('postProcess')).toEqual([blur, crop]);
    expect(host.all('adapter')).toEqual([]);
    expect(host.list('postProcess')).toEqual([
      { kind: 'postProcess', name: 'blur', description: 'the blur post-process', plugin: '@x/pp', version: '1.2.3' },
      { kind: 'postProcess', name: 'crop', description: 'the crop post-process', plugin: '@x/pp', version: '1.2.3' },
    ]);
    // Every kind, grouped by kind in TOKENS order (post-processes before metrics).
    expect(host.list().map((r) => `${r.kind}:${r.name}`)).toEqual(['postProcess:blur', 'postProcess:crop', 'metric:distinguishability']);
  });

  it('hands plugins the host tfjs-core namespace as registrar.tf', async () => {
    const host = createPluginHost();
    let seen: PluginRegistrar['tf'] | undefined;
    await host.register({ register(r) { seen = r.tf; } }, { name: 'probe' });
    expect(seen).toBe(tf);
  });

  it('rejects a name taken by another plugin with an error naming both, and commits nothing of the second', async () => {
    const host = createPluginHost();
    await host.register({ register(r) { r.postProcess(postProcess('blur')); } }, { name: 'first-plugin', version: '0.1.0' });
    const second = { register(r: PluginRegistrar) { r.metric(metric('psnr')); r.postProcess(postProcess('blur')); } };
    await expect(host.register(second, { name: 'second-plugin', version: '2.0.0' })).rejects.toThrow(
      'post-process "blur" of second-plugin@2.0.0 is already registered by first-plugin@0.1.0',
    );
    expect(host.all('metric')).toEqual([]);
    expect(host.list().map((r) => r.plugin)).toEqual(['first-plugin']);
  });

  it('commits nothing of a plugin whose register throws', async () => {
    const host = createPluginHost();
    const failing = { register(r: PluginRegistrar) { r.postProcess(postProcess('noise')); throw new Error('boom'); } };
    await expect(host.register(failing, { name: 'failing' })).rejects.toThrow('boom');
    expect(host.all('postProcess')).toEqual([]);
  });

  it('throws a one-line error listing the available names for an unknown name', async () => {
    const host = createPluginHost();
    expect(() => host.adapter('dcgan')).toThrow('Unknown adapter "dcgan"; none available (no plugin registered one)');
    await host.register({ register(r) { r.postProcess(postProcess('jpeg')); r.postProcess(postProcess('blur')); } }, { name: 'p' });
    let message = '';
    try {
      host.postProcess('nope');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('Unknown post-process "nope"; available: blur, jpeg');
    expect(message).not.toContain('\n');
  });

  it('keeps hosts apart: a registration in one is invisible in another', async () => {
    const a = createPluginHost();
    const b = createPluginHost();
    await a.register({ register(r) { r.postProcess(postProcess('blur')); } }, { name: 'p' });
    expect(a.all('postProcess')).toHaveLength(1);
    expect(b.all('postProcess')).toEqual([]);
    // The same plugin may register into a second host without a duplicate-name error.
    await b.register({ register(r) { r.postProcess(postProcess('blur')); } }, { name: 'p' });
    expect(b.postProcess('blur').name).toBe('blur');
  });
});
