import type { RunScoreRequest } from '@attrib/core';
import { Flags } from '@oclif/core';
import type { Progress } from '../progress.js';
import { parseNumberFlag } from '../run/stage-flags.js';
import { parseDataFlag } from './source-flag.js';

/** The flags of the commands that score a run's held-out images and samples (calibrate, certify). */
export const scoreFlags = {
  heldout: Flags.string({ summary: 'Held-out real images: SOURCE[:PATH][@SPLIT]. Default: the run data, split test.' }),
  samples: Flags.string({ summary: 'Root samples and samples per keyed generator. Default: 1000.' }),
  'batch-size': Flags.string({ summary: 'Generation batch size (speed/memory only). Default: 100.' }),
};

/** The parsed {@link scoreFlags}: a one-line error names a bad flag and value. */
export function scoreRequest(flags: { heldout?: string | undefined; samples?: string | undefined; 'batch-size'?: string | undefined }): Pick<RunScoreRequest, 'heldOut' | 'samples' | 'batchSize'> {
  return {
    heldOut: flags.heldout ? parseDataFlag('heldout', flags.heldout) : undefined,
    samples: flags.samples === undefined ? undefined : parseNumberFlag('samples', flags.samples, true),
    batchSize: flags['batch-size'] === undefined ? undefined : parseNumberFlag('batch-size', flags['batch-size'], true),
  };
}

/**
 * Runs `work` with a progress bar made by `start` on its first report (when the total is known),
 * stopped when the work ends, also when it fails.
 */
export async function withProgress<T>(
  start: (label: string, total: number) => Progress, label: string, work: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  let bar: Progress | undefined;
  try {
    return await work((done, total) => {
      bar ??= start(label, total);
      bar.update(done);
    });
  } finally {
    bar?.stop();
  }
}
