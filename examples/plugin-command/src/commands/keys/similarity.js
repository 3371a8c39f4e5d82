// @ts-check
import { AttribCommand, formatTable, runArg } from '@attrib/cli';
import { Flags } from '@oclif/core';
import { cosineRows, keyCosines, largestOffDiagonal } from '../../key-similarity.js';

/**
 * @typedef {object} KeySimilarityResult
 * @property {string} run the run folder
 * @property {string[]} keys key ids, in training order
 * @property {number[][]} cosines cosines[i][j]: the cosine of keys[i] and keys[j]
 * @property {number} largest the largest |cosine| of two different keys
 */

/**
 * `attrib keys similarity RUN`: the cosine of every pair of the run's keys, as a table (or JSON
 * with --json). Thin: it parses, opens the run, calls keyCosines and prints.
 * @extends {AttribCommand<typeof KeysSimilarity>}
 */
export default class KeysSimilarity extends AttribCommand {
  /** @override */
  static summary = 'Show the cosine of every pair of keys of a run.';

  /** @override */
  static description = 'Keys are trained to be orthogonal (cosine 0) or at a target cosine (keys add --angle cosine); '
    + 'this shows the cosine phi_i . phi_j / (|phi_i| |phi_j|) of every pair, and the largest |cosine| between two different keys.';

  /** @override */
  static examples = [
    '<%= config.bin %> keys similarity runs/mnist',
    '<%= config.bin %> keys similarity runs/mnist --digits 5 --json',
  ];

  /** @override */
  static args = { run: runArg };

  /** @override */
  static flags = {
    digits: Flags.integer({ summary: 'Decimal places in the table (0 to 10).', default: 3, min: 0, max: 10 }),
  };

  /** @returns {Promise<KeySimilarityResult>} */
  async run() {
    const folder = await this.openRun(this.args.run);
    const ids = folder.manifest.keys;
    if (ids.length === 0) throw new Error(`run ${folder.dir} has no finished keys yet (train some with \`attrib keys add\`)`);
    const tf = await this.engine();
    /** @type {import('@attrib/core').LinearKey[]} */
    const keys = [];
    try {
      for (const id of ids) keys.push(await folder.readKey(id));
      const cosines = await keyCosines(tf, keys);
      const largest = largestOffDiagonal(cosines);
      this.out(formatTable(['key', ...ids], cosineRows(ids, cosines, this.flags.digits)));
      this.out(`largest |cosine| between two keys: ${largest.toFixed(this.flags.digits)}`);
      return { run: folder.dir, keys: ids, cosines, largest };
    } finally {
      keys.forEach((key) => key.dispose());
    }
  }
}
