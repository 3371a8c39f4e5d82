import { ReadError } from '../util/read-error.js';
import type { RunManifest } from './run-folder.js';

/**
 * Checks the parts of a run manifest the commands rely on, so that a hand-edited or damaged
 * manifest is a one-line {@link ReadError} naming the file and the field, not a crash deep in a
 * command (`manifest.keys.filter is not a function`).
 */
export function checkRunManifest(manifest: RunManifest, file: string): RunManifest {
  const m = manifest as unknown as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new ReadError(file, `field ${field} is ${describe(fieldValue(m, field))}; expected ${expected}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (typeof m.adapter !== 'string') fail('adapter', 'an adapter name');
  if (!Number.isSafeInteger(m.seed)) fail('seed', 'an integer');
  const shape = m.imageShape;
  if (!isObject(shape) || ['height', 'width', 'channels'].some((d) => !Number.isSafeInteger(shape[d]) || (shape[d] as number) <= 0)) {
    fail('imageShape', 'positive integers height, width and channels');
  }
  const root = m.root;
  if (!isObject(root) || typeof root.checkpoint !== 'string' || typeof root.source !== 'string') fail('root', 'an object with checkpoint and source paths');
  if (typeof (root as Record<string, unknown>).sha256 !== 'string' || !/^[0-9a-f]{64}$/.test((root as Record<string, string>).sha256!)) {
    fail('root.sha256', 'a SHA-256 as 64 hex digits');
  }
  if (!Number.isSafeInteger((root as Record<string, unknown>).bytes) || ((root as Record<string, number>).bytes!) < 0) fail('root.bytes', 'a size in bytes');
  if (!isObject(m.data) || typeof m.data.source !== 'string') fail('data', 'an object naming an image source');
  if (!isObject(m.config)) fail('config', 'an object');
  if (!isStrings(m.keys)) fail('keys', 'a list of key ids');
  if (!isStrings(m.generators)) fail('generators', 'a list of key ids');
  if (!isObject(m.robust) || !Object.values(m.robust).every(isStrings)) fail('robust', 'an object of key id lists by post-process');
  if (!isObject(m.progress) || !Object.values(m.progress).every(isObject)) fail('progress', 'an object of unit progress entries');
  if (m.pending !== undefined) {
    const p = m.pending;
    if (!isObject(p) || typeof p.stage !== 'string' || !isStrings(p.keys) || !isObject(p.options)) {
      fail('pending', 'a job with a stage, a list of keys and options');
    }
  }
  return manifest;
}

function fieldValue(m: Record<string, unknown>, field: string): unknown {
  let value: unknown = m;
  for (const part of field.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}
