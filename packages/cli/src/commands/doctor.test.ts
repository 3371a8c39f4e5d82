import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runCommand } from '@attrib/testing/cli/run-command';
import Doctor, { GPU_HELP, type DoctorResult } from './doctor.js';

describe('attrib doctor', () => {
  it('--json reports the backend in use, every candidate with why it failed, versions and GPU help', async () => {
    const run = await runCommand<DoctorResult>(Doctor, ['--json', '--backend', 'cpu']);
    expect(run.error).toBeUndefined();
    const json = JSON.parse(run.stdout) as DoctorResult;
    expect(json.backend).toBe('cpu');
    expect(json.forced).toBe(true);
    // The picker really activated it.
    expect(tf.getBackend()).toBe('cpu');
    expect(json.candidates.map((c) => c.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    for (const candidate of json.candidates) {
      if (!candidate.ok) expect(candidate.reason).toMatch(/\S/);
    }
    expect(json.candidates.find((c) => c.name === 'cpu')?.ok).toBe(true);
    expect(json.versions['tfjs-core']).toBe(tf.version_core);
    expect(json.node).toBe(process.version);
    expect(json.gpuHelp).toBe(GPU_HELP);
    expect(json.gpuHelp).toContain('CUDA');
  });

  it('prints a readable report that names each failed candidate', async () => {
    const run = await runCommand(Doctor, ['--backend', 'cpu']);
    expect(run.stdout).toMatch(/^backend in use: cpu \(forced\)\n/);
    expect(run.stdout).toMatch(/\n {2}cpu +loads\n/);
    expect(run.stdout).toMatch(/\n {2}tfjs-node-gpu +(loads|failed: .+)\n/);
    expect(run.stdout).toContain('GPU setup:');
  });

  it('still reports, and fails, when a forced backend is unavailable', async () => {
    const run = await runCommand<DoctorResult>(Doctor, ['--json', '--backend', 'nonsense']);
    const json = JSON.parse(run.stdout) as DoctorResult;
    expect(json.backend).toBeNull();
    expect(json.error).toMatch(/unknown backend 'nonsense' in --backend/);
    expect(json.candidates).toHaveLength(4);
  });
});
