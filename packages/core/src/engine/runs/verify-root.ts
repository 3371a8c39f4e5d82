import { isAbsolute, join } from 'node:path';
import type { RunFolder } from '../../io/run-folder.js';
import { fingerprint } from './root.js';

/** Environment variable that skips the root's SHA-256 checks (set by the CLI's `--skip-hash-check`). */
export const SKIP_HASH_CHECK_ENV = 'ATTRIB_SKIP_HASH_CHECK';

const HOW_TO_SKIP = `to skip this check for a huge file, pass --skip-hash-check (or set ${SKIP_HASH_CHECK_ENV}=1)`;

/**
 * Checks that the root files of a run are the ones it was made with, by the SHA-256 its manifest
 * records: the file the user gave (`root.source`) and, when the run keeps a converted copy
 * (`root.ckpt`), that copy too (`root.checkpointSha256`, recorded by runs made since it was added).
 * A mismatch is a one-line error naming the file and how to skip the check. Skipped when
 * {@link SKIP_HASH_CHECK_ENV} is set.
 */
export async function verifyRootFiles(folder: RunFolder): Promise<void> {
  if (process.env[SKIP_HASH_CHECK_ENV]) return;
  const { root } = folder.manifest;
  const check = async (file: string, expected: string): Promise<void> => {
    const { sha256 } = await fingerprint(file).catch((error: Error) => {
      throw new Error(`root of run ${folder.dir}: ${error.message}`);
    });
    if (sha256 !== expected) {
      throw new Error(`root of run ${folder.dir}: ${file} changed since the run was made (sha256 ${sha256.slice(0, 12)}..., expected ${expected.slice(0, 12)}...; the file is damaged or replaced; ${HOW_TO_SKIP})`);
    }
  };
  await check(root.source, root.sha256);
  if (root.checkpointSha256 !== undefined) {
    const checkpoint = isAbsolute(root.checkpoint) ? root.checkpoint : join(folder.dir, root.checkpoint);
    if (checkpoint !== root.source) await check(checkpoint, root.checkpointSha256);
  }
}
