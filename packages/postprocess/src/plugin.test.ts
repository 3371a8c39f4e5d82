import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { PluginRegistrar, PostProcessFactory } from '@attrib/core';
import plugin from './plugin.js';

/** A registrar that records what it is given, with the error of a name registered twice. */
function recordingRegistrar(): PluginRegistrar & { postProcesses: PostProcessFactory[]; others: string[] } {
  const postProcesses: PostProcessFactory[] = [];
  const others: string[] = [];
  return {
    tf,
    postProcesses,
    others,
    postProcess(factory) {
      if (postProcesses.some((f) => f.name === factory.name)) throw new Error(`post-process "${factory.name}" registered twice`);
      postProcesses.push(factory);
    },
    adapter: (a) => { others.push(`adapter ${a.name}`); },
    metric: (m) => { others.push(`metric ${m.name}`); },
    imageSource: (s) => { others.push(`image source ${s.name}`); },
  };
}

describe('@attrib/postprocess plugin', () => {
  it('registers every post-process by name through the registrar, and nothing else', async () => {
    const registrar = recordingRegistrar();
    await plugin.register(registrar);
    expect(registrar.postProcesses.map((f) => f.name)).toEqual([
      'blur', 'crop', 'noise', 'jpeg', 'combination', 'jpeg-codec', 'combination-codec',
    ]);
    expect(registrar.others).toEqual([]);
  });

  it('registers factories whose defaults are what create() uses, and whose names are command-line safe', async () => {
    const registrar = recordingRegistrar();
    await plugin.register(registrar);
    for (const factory of registrar.postProcesses) {
      expect(factory.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(factory.description.length).toBeGreaterThan(10);
      const instance = factory.create();
      expect(instance.name).toBe(factory.name);
      expect(instance.params).toEqual(factory.defaults);
      expect(instance.differentiable).toBe(!factory.name.endsWith('codec'));
    }
  });
});
