import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { registerWasmTrainingKernels } from '@attrib/tfjs-wasm-kernels';

/** A TensorFlow.js backend name attrib can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** One backend package the picker tried, and why it was not used if it failed. */
export interface BackendAttempt {
  /** The candidate: 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'cpu'. */
  readonly name: string;
  readonly ok: boolean;
  /** First line of the error when `ok` is false. */
  readonly reason?: string;
}

/** The backend in use and how it was chosen. */
export interface BackendSelection {
  /** The active tfjs backend ('tensorflow' for tfjs-node-gpu and tfjs-node). */
  readonly name: BackendName;
  /** True when `prefer` or ATTRIB_BACKEND named it. */
  readonly forced: boolean;
  /** The candidates tried, in order, up to and including the one chosen. */
  readonly attempts: readonly BackendAttempt[];
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Force a backend (the CLI's `--backend`): 'tensorflow' (alias 'node-gpu' or 'node': tfjs-node-gpu,
   * else tfjs-node), 'wasm' or 'cpu'. Without it the ATTRIB_BACKEND environment variable forces one.
   */
  prefer?: string;
}

interface Candidate {
  readonly name: string;
  readonly backend: BackendName;
  readonly load: () => Promise<void>;
}

// Specifiers in variables: the native packages are optional and may have no types installed.
const NODE_GPU_PACKAGE: string = '@tensorflow/tfjs-node-gpu';
const NODE_PACKAGE: string = '@tensorflow/tfjs-node';

const CANDIDATES: readonly Candidate[] = [
  { name: 'tfjs-node-gpu', backend: 'tensorflow', load: async () => void (await import(NODE_GPU_PACKAGE)) },
  { name: 'tfjs-node', backend: 'tensorflow', load: async () => void (await import(NODE_PACKAGE)) },
  {
    name: 'wasm',
    backend: 'wasm',
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmTrainingKernels();
    },
  },
  { name: 'cpu', backend: 'cpu', load: async () => void (await import('@tensorflow/tfjs-backend-cpu')) },
];

const ALIASES: Readonly<Record<string, BackendName>> = {
  tensorflow: 'tensorflow',
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** Each candidate's outcome, loaded once per process. */
const outcomes = new Map<string, Promise<BackendAttempt>>();

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

/** Imports a candidate's package and initialises its backend, once; never throws. */
function tryCandidate(candidate: Candidate): Promise<BackendAttempt> {
  let outcome = outcomes.get(candidate.name);
  if (outcome === undefined) {
    outcome = (async (): Promise<BackendAttempt> => {
      try {
        await candidate.load();
        if (tf.findBackendFactory(candidate.backend) === null) {
          return { name: candidate.name, ok: false, reason: `the package registered no '${candidate.backend}' backend` };
        }
        const backend = await initialise(candidate.backend);
        if (backend === null) {
          return { name: candidate.name, ok: false, reason: `backend '${candidate.backend}' failed to initialise` };
        }
        return { name: candidate.name, ok: true };
      } catch (error) {
        return { name: candidate.name, ok: false, reason: firstLine(error) };
      }
    })();
    outcomes.set(candidate.name, outcome);
  }
  return outcome;
}

/** Initialises a backend, once, without making it the active one. */
async function initialise(name: BackendName): Promise<tf.KernelBackend | null> {
  // The engine's registry is read directly: tf.findBackend would itself start an initialisation.
  const engine = tf.engine() as unknown as {
    registry: Record<string, tf.KernelBackend | undefined>;
    initializeBackend(name: string): { success: boolean | Promise<boolean> };
  };
  const existing = engine.registry[name];
  if (existing !== undefined) return existing;
  const { success } = engine.initializeBackend(name);
  return (await success) ? (engine.registry[name] ?? null) : null;
}

/** The forced backend and where it came from, or undefined for automatic selection. */
function forcedChoice(options: SelectBackendOptions): { backend: BackendName; source: string } | undefined {
  const fromOption = options.prefer?.trim();
  const fromEnv = process.env['ATTRIB_BACKEND']?.trim();
  const [raw, source] =
    fromOption !== undefined && fromOption !== ''
      ? [fromOption, '--backend']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, 'ATTRIB_BACKEND']
        : [undefined, ''];
  if (raw === undefined) return undefined;
  const backend = ALIASES[raw.toLowerCase()];
  if (backend === undefined) {
    throw new Error(
      `unknown backend '${raw}' in ${source}: expected one of ${Object.keys(ALIASES).join(', ')}`,
    );
  }
  return { backend, source };
}

/**
 * Picks and activates the TensorFlow.js backend: tfjs-node-gpu, else tfjs-node (both the
 * 'tensorflow' backend), else wasm (with attrib's training kernels), else the pure-JS cpu
 * backend. `options.prefer`, else the ATTRIB_BACKEND environment variable, forces one; forcing
 * one that does not load is an Error naming it and why. Every failed import is recorded, never
 * thrown. Cheap to call again: each package is loaded at most once per process.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const forced = forcedChoice(options);
  const candidates = CANDIDATES.filter((c) => forced === undefined || c.backend === forced.backend);
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates) {
    const attempt = await tryCandidate(candidate);
    attempts.push(attempt);
    if (!attempt.ok) continue;
    if (tf.getBackend() !== candidate.backend && !(await tf.setBackend(candidate.backend))) {
      throw new Error(`backend '${candidate.backend}' loaded but could not be activated`);
    }
    await tf.ready();
    return { name: candidate.backend, forced: forced !== undefined, attempts };
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason ?? 'failed'}`).join('; ');
  if (forced !== undefined) {
    throw new Error(`backend '${forced.backend}' forced by ${forced.source} is unavailable (${why})`);
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${why})`);
}

/** What `attrib doctor` reports about backends. */
export interface BackendReport {
  /** The active tfjs backend, or null if none was selected yet. */
  readonly active: string | null;
  /** Every candidate in the automatic order, whether it loads, and why not. */
  readonly candidates: ReadonlyArray<BackendAttempt & { readonly backend: BackendName }>;
  /** Versions of the TensorFlow.js packages (@tensorflow/tfjs's `version`, plus tfjs-backend-wasm). */
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Tries every candidate backend (loading each package at most once per process) without
 * changing the active backend, for diagnostics.
 */
export async function describeBackends(): Promise<BackendReport> {
  const candidates = [];
  for (const candidate of CANDIDATES) {
    candidates.push({ ...(await tryCandidate(candidate)), backend: candidate.backend });
  }
  const engine = tf.engine() as unknown as { backendName: string | null | undefined };
  // Imported here, not at the top: the umbrella package loads every tfjs package, for diagnostics only.
  const versions: Record<string, string> = { ...(await import('@tensorflow/tfjs')).version };
  versions['tfjs-backend-wasm'] = (await import('@tensorflow/tfjs-backend-wasm')).version_wasm;
  return { active: engine.backendName ?? null, candidates, versions };
}
