import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';
import { AttribCommand } from '../base-command.js';
import type { BackendAttempt } from '../backend.js';

/** How to get the native GPU backend; printed by `attrib doctor` and kept in its JSON. */
export const GPU_HELP = [
  'attrib uses @tensorflow/tfjs-node-gpu whenever it loads (an optional dependency of @attrib/core).',
  'On a Linux x64 machine with an NVIDIA GPU: install the CUDA 11.2 toolkit and cuDNN 8.1 (what',
  'TensorFlow 2.x for tfjs 4.22 links against), make sure the machine can download libtensorflow',
  'during install, then run `npx pnpm@12.4.2 install` again (or `pnpm rebuild @tensorflow/tfjs-node-gpu`).',
  'Check with `attrib doctor`: the backend in use should be "tensorflow". Force a backend with',
  '--backend or the ATTRIB_BACKEND environment variable.',
].join('\n');

export interface DoctorResult {
  backend: string;
  candidates: BackendAttempt[];
  tfjs: string;
  node: string;
  platform: string;
  gpuHelp: string;
}

export default class Doctor extends AttribCommand<typeof Doctor> {
  static override summary = 'Show the TensorFlow.js backend in use, what else was tried, and how to get the GPU backend.';

  static override description = `Runs the backend picker (tfjs-node-gpu, then tfjs-node, then wasm, then the pure-JS cpu backend,
unless --backend or ATTRIB_BACKEND forces one) and reports every candidate with the reason it failed,
the tfjs and Node versions, and how to install tfjs-node-gpu on a CUDA machine.`;

  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json', '<%= config.bin %> doctor --backend cpu'];

  async run(): Promise<DoctorResult> {
    const choice = await this.backend();
    const result: DoctorResult = {
      backend: choice.name,
      candidates: [...choice.attempts],
      tfjs: tfjsVersion,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      gpuHelp: GPU_HELP,
    };
    this.out(`backend in use: ${result.backend}`);
    if (result.candidates.length > 0) {
      this.out('candidates:');
      for (const c of result.candidates) this.out(`  ${c.name.padEnd(12)} ${c.ok ? 'ok' : `failed: ${c.reason ?? 'unknown reason'}`}`);
    }
    this.out(`tfjs-core: ${result.tfjs}`);
    this.out(`node: ${result.node} (${result.platform})`);
    this.out('');
    this.out(`GPU setup:\n${GPU_HELP.split('\n').map((line) => `  ${line}`).join('\n')}`);
    return result;
  }
}
