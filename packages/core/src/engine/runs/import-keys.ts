import { resolve } from 'node:path';
import { checkName, RunFolder } from '../../io/run-folder.js';
import type { LinearKey } from '../../keys/linear-key.js';
import { readReferenceKey } from '../../torch/reference-key.js';
import { nextKeyIds } from './add-keys.js';
import type { RunHooks } from './services.js';
import { resumeCommand } from './session.js';

export interface ImportKeysRequest {
  readonly dir: string;
  /** Key files of the reference release (`key_N.pth`: one vector in CHW order), in order. */
  readonly files: readonly string[];
  /** Id of the imported key (one file only). Default: the next `key-<n>` ids of the run. */
  readonly id?: string;
}

export interface ImportKeysResult {
  readonly dir: string;
  /** The keys this call added, with the file each came from. */
  readonly imported: readonly { readonly id: string; readonly file: string }[];
  readonly keys: readonly string[];
}

/**
 * `attrib keys import`: adds keys made by the reference release to a run, converted to attrib's
 * HWC flattening, as if `keys add` had trained them; `generators train`, `evaluate` and
 * `identify` then take them like any other key. Every file is read and checked against the run's
 * image shape before anything is written; keys are written atomically, the manifest last.
 */
export async function importKeys(request: ImportKeysRequest, hooks: Pick<RunHooks, 'log'> = {}): Promise<ImportKeysResult> {
  const dir = resolve(request.dir);
  const files = request.files.map((file) => resolve(file));
  if (files.length === 0) throw new Error('no key file given; expected one or more key_N.pth files');
  if (request.id !== undefined && files.length !== 1) throw new Error(`key id ${JSON.stringify(request.id)} names one key; ${files.length} key files given`);
  const folder = await RunFolder.open(dir);
  const manifest = folder.manifest;
  if (manifest.pending) {
    throw new Error(`run ${dir} has an unfinished ${manifest.pending.stage} job (${manifest.pending.keys.join(', ')}); finish it with \`${resumeCommand(manifest.pending.stage, dir)}\``);
  }
  const ids = request.id !== undefined ? [checkName('key id', request.id)] : nextKeyIds(manifest.keys, files.length);
  const taken = ids.find((id) => manifest.keys.includes(id));
  if (taken !== undefined) throw new Error(`key id ${taken}: run ${dir} already has a key ${taken}`);
  const keys: LinearKey[] = [];
  try {
    for (const [i, file] of files.entries()) keys.push(await readReferenceKey(file, manifest.imageShape, ids[i]!));
    for (const key of keys) await folder.writeKey(key);
    await folder.update((m) => m.keys.push(...ids));
  } finally {
    keys.forEach((key) => key.dispose());
  }
  const imported = ids.map((id, i) => ({ id, file: files[i]! }));
  for (const { id, file } of imported) hooks.log?.(`${id} imported from ${file}`);
  return { dir, imported, keys: folder.manifest.keys };
}
