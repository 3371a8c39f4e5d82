import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

/** attrib core's package version (from its package.json, two folders up from src/ or dist/). */
export function attribVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Versions a manifest records. */
export function versions(): { attrib: string; tfjs: string; node: string } {
  return { attrib: attribVersion(), tfjs: tf.version_core, node: process.version };
}
