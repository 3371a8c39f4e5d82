import * as core from '@attrib/core';

/** One backend the picker tried, and why it was not used if it failed. */
export interface BackendAttempt {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** The backend in use and what the picker tried on the way. */
export interface BackendChoice {
  readonly name: string;
  readonly attempts: readonly BackendAttempt[];
}

type SelectBackend = (options: { prefer?: string }) => Promise<unknown>;

function asAttempts(value: unknown): BackendAttempt[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry: Record<string, unknown>) => {
    const reason = entry.reason ?? entry.error;
    return {
      name: String(entry.name ?? entry.backend ?? '?'),
      ok: Boolean(entry.ok ?? entry.loaded ?? (reason === undefined)),
      ...(reason !== undefined ? { reason: reason instanceof Error ? reason.message : String(reason) } : {}),
    };
  });
}

/**
 * Picks the TensorFlow.js backend through core's `selectBackend` (tfjs-node-gpu, tfjs-node,
 * wasm, cpu; `prefer` or the environment forces one) and normalises its report.
 */
export async function chooseBackend(prefer: string | undefined): Promise<BackendChoice> {
  const select = (core as unknown as { selectBackend?: SelectBackend }).selectBackend;
  if (typeof select !== 'function') throw new Error('this build of @attrib/core has no selectBackend');
  const result = (await select(prefer !== undefined ? { prefer } : {})) as Record<string, unknown> | string;
  if (typeof result === 'string') return { name: result, attempts: [] };
  return {
    name: String(result.name ?? result.backend ?? '?'),
    attempts: asAttempts(result.attempts ?? result.candidates ?? result.tried),
  };
}
