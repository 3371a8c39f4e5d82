import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImageShape } from '@attrib/core';

/** A generator shipped with the adapter. */
export interface PretrainedDcgan {
  readonly name: string;
  readonly description: string;
  /** Name of the image source it was trained on (`mnist`). */
  readonly data: string;
  readonly imageShape: ImageShape;
  /** Absolute path of its attrib checkpoint. */
  readonly file: string;
}

/** Where the shipped weights live: `weights/` at the package root (one level above src/ and dist/). */
function weightsFile(name: string): string {
  return fileURLToPath(new URL(`../weights/${name}`, import.meta.url));
}

/**
 * The shipped root models; the first is the default root. `mnist32`: the 32x32 grey DCGAN of the
 * reference's theory variant, trained by our own root trainer on the 10,000 digits of the `mnist`
 * package (weights/README.md has the command that made it).
 */
export const PRETRAINED_DCGANS: readonly PretrainedDcgan[] = [
  {
    name: 'mnist32',
    description: '32x32x1 DCGAN (nz 100, ngf 64) trained on the mnist package digits by attrib root train',
    data: 'mnist',
    imageShape: { height: 32, width: 32, channels: 1 },
    file: weightsFile('mnist32.ckpt'),
  },
];

/** The shipped generator of that name; throws listing the names if there is none or its file is missing. */
export function findPretrained(name: string): PretrainedDcgan {
  const found = PRETRAINED_DCGANS.find((p) => p.name === name);
  if (!found) {
    throw new Error(`dcgan: no pretrained generator '${name}' (available: ${PRETRAINED_DCGANS.map((p) => p.name).join(', ')})`);
  }
  if (!existsSync(found.file)) throw new Error(`dcgan: pretrained generator '${name}' has no weights file at ${found.file}`);
  return found;
}
