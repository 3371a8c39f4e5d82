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
  it('declares a sweepable strength for each of the field\'s attacks, with WAVES\'s ranges', async () => {
    const registrar = recordingRegistrar();
    await plugin.register(registrar);
    const strengths = Object.fromEntries(registrar.postProcesses.filter((f) => f.strength).map((f) => [f.name, f.strength]));
    expect(strengths).toEqual({
      noise: { param: 'std', weakest: 0, strongest: 0.2 },
      'jpeg-codec': { param: 'quality', weakest: 90, strongest: 10, integer: true },
      rotate: { param: 'degrees', weakest: 0, strongest: 45 },
      'resized-crop': { param: 'scale', weakest: 1, strongest: 0.5 },
      erase: { param: 'area', weakest: 0, strongest: 0.25 },
      brightness: { param: 'factor', weakest: 1, strongest: 2 },
      contrast: { param: 'factor', weakest: 1, strongest: 2 },
      resize: { param: 'scale', weakest: 1, strongest: 0.5 },
    });
  });

  it('registers every post-process by name through the registrar, and nothing else', async () => {
    const registrar = recordingRegistrar();
    await plugin.register(registrar);
    expect(registrar.postProcesses.map((f) => f.name)).toEqual([
      'blur', 'crop', 'noise', 'jpeg', 'combination', 'jpeg-codec', 'combination-codec',
      'rotate', 'resized-crop', 'erase', 'brightness', 'contrast', 'resize',
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
      if (factory.strength !== undefined) {
        // The strength parameter exists and both ends of its range are valid values of it.
        expect(Object.keys(factory.defaults)).toContain(factory.strength.param);
        factory.create({ [factory.strength.param]: factory.strength.weakest });
        factory.create({ [factory.strength.param]: factory.strength.strongest });
      }
    }
  });
});
