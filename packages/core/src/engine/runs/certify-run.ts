import { resolve } from 'node:path';
import { certify, type Certificate } from '../../calibration/certificate.js';
import { loadSubjects } from './evaluation-subjects.js';
import { scoreRun, type RunScoreRequest } from './run-scores.js';
import type { RunServices } from './services.js';
import { openRunSession } from './session.js';

export interface CertifyRunRequest extends Omit<RunScoreRequest, 'postProcess' | 'ood'> {
  readonly dir: string;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface CertifyRunResult extends Certificate {
  readonly dir: string;
  /** Where the held-out images came from. */
  readonly heldOut: string;
  /** Samples per keyed generator. */
  readonly samples: number;
}

/**
 * `attrib certify`: the sufficient condition on the run's keys (per pair, the data-dependent bound
 * a(phi_i, phi_j) from the keys' extents over held-out images and root samples, and the
 * conservative 90-degree form), the guaranteed attributability 1 - N delta from the keys'
 * distinguishability on held-out data, and the attributability measured on the generators'
 * samples (8-bit round trip) with its exact 95% interval, per pair and pooled. Draws from the run
 * seed's `certify` fork.
 */
export async function certifyRun(services: RunServices, request: CertifyRunRequest): Promise<CertifyRunResult> {
  const dir = resolve(request.dir);
  const session = await openRunSession(services, dir);
  try {
    const manifest = session.folder.manifest;
    const ids = manifest.keys.filter((id) => manifest.generators.includes(id));
    if (ids.length === 0) throw new Error(`run ${dir} has no keyed generators yet; run \`attrib generators train\` (or \`attrib keys init\`) first`);
    const subjects = await loadSubjects(session, { ids, variant: 'plain' });
    try {
      const scores = await scoreRun(services, session, subjects, request, 'certify', request.onProgress);
      const vectors = subjects.keys.map((k) => ({ id: k.id, vector: k.vector.dataSync() }));
      const certificate = certify(vectors, scores.heldOut.perKey, scores.root.perKey, scores.generators.map((g) => g.perKey));
      return { dir, heldOut: scores.heldOut.description, samples: scores.root.n, ...certificate };
    } finally {
      subjects.dispose();
    }
  } finally {
    session.dispose();
  }
}
