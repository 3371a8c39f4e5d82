import { AttribCommand } from '../base-command.js';
import { backendReport, type BackendAttempt } from '../backend.js';

/** How to get the native GPU backend; printed by `attrib doctor` and kept in its JSON. */
export const GPU_HELP = [
  'attrib uses @tensorflow/tfjs-node-gpu whenever it loads (an optional dependency of @attrib/core).',
  'On a Linux x64 machine with an NVIDIA GPU: install the driver, CUDA 11.2 and cuDNN 8.1 (what',
  'libtensorflow 2.9.1, used by tfjs-node-gpu 4.22, is built against) with their libraries on the',
  'library path, then with internet access run `npx pnpm@12.4.2 install` again (or',
  '`npx pnpm@12.4.2 rebuild @tensorflow/tfjs-node-gpu`): its install script downloads libtensorflow.',
  'Check with `attrib doctor`: the backend in use should be "tensorflow". Force a backend with',
  '--backend (tensorflow, wasm, cpu) or the ATTRIB_BACKEND environment variable.',
].join('\n');

export interface DoctorResult {
  /** The active backend after selection (honouring --backend / ATTRIB_BACKEND), or null if none could be. */
  backend: string | null;
  /** Whether --backend, config `backend` or ATTRIB_BACKEND forced it. */
  forced: boolean;
  /** Why selection failed, when `backend` is null. */
  error?: string;
  /** Every candidate in the automatic order, whether it loads and why not. */
  candidates: (BackendAttempt & { backend: string })[];
  /** Versions of the TensorFlow.js packages. */
  versions: Record<string, string>;
  node: string;
  platform: string;
  gpuHelp: string;
}

export default class Doctor extends AttribCommand<typeof Doctor> {
  static override summary = 'Show the TensorFlow.js backend in use, what else was tried, and how to get the GPU backend.';

  static override description = `Runs the backend picker (tfjs-node-gpu, then tfjs-node, then wasm, then the pure-JS cpu backend,
unless --backend or ATTRIB_BACKEND forces one) and reports every candidate with the reason it failed,
the tfjs and Node versions, and how to install tfjs-node-gpu on a CUDA machine. Exits with 1 when no
backend could be selected.`;

  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json', '<%= config.bin %> doctor --backend cpu'];

  async run(): Promise<DoctorResult> {
    let backend: string | null = null;
    let forced = false;
    let error: string | undefined;
    try {
      const selection = await this.backend();
      backend = selection.name;
      forced = selection.forced;
    } catch (failure) {
      error = (failure as Error).message;
    }
    const report = await backendReport();
    const result: DoctorResult = {
      backend,
      forced,
      ...(error !== undefined ? { error } : {}),
      candidates: report.candidates.map((c) => ({ ...c })),
      versions: { ...report.versions },
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      gpuHelp: GPU_HELP,
    };
    this.out(backend !== null ? `backend in use: ${backend}${forced ? ' (forced)' : ''}` : `backend in use: none (${error})`);
    this.out('candidates:');
    for (const c of result.candidates) this.out(`  ${c.name.padEnd(14)} ${c.ok ? 'loads' : `failed: ${c.reason ?? 'unknown reason'}`}`);
    this.out('versions:');
    for (const [name, version] of Object.entries(result.versions)) this.out(`  ${name.padEnd(20)} ${version}`);
    this.out(`node: ${result.node} (${result.platform})`);
    this.out('');
    this.out(`GPU setup:\n${GPU_HELP.split('\n').map((line) => `  ${line}`).join('\n')}`);
    if (backend === null) process.exitCode = 1;
    return result;
  }
}
