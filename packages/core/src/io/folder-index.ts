import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReadError } from '../util/read-error.js';

/** How a folder's index file is named in errors, and the command that makes such a folder. */
export interface FolderIndexKind {
  /** `run folder`, `registry`. */
  readonly folder: string;
  /** `an attrib run manifest`. */
  readonly document: string;
  /** `attrib keys init`. */
  readonly madeBy: string;
  /** The `format` field the index must hold. */
  readonly format: string;
}

/**
 * Reads the JSON index (`file`, inside `dir`) that makes a folder a run or a registry. A missing
 * folder, a folder without the index, an unreadable file, bad JSON or another format is a
 * one-line error naming the folder or file and what was expected.
 */
export async function readFolderIndex<T extends { readonly format: string }>(dir: string, file: string, kind: FolderIndexKind): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const exists = await stat(dir).then(() => true, () => false);
      throw new Error(exists
        ? `${kind.folder} ${dir} holds no ${basename(file)}; expected a folder made by \`${kind.madeBy}\``
        : `${kind.folder} ${dir} does not exist; create it with \`${kind.madeBy}\``);
    }
    throw new ReadError(file, `cannot read (${code ?? (error as Error).message})`);
  }
  let index: T;
  try {
    index = JSON.parse(text) as T;
  } catch {
    throw new ReadError(file, `not JSON; expected ${kind.document}`);
  }
  if (index === null || typeof index !== 'object' || Array.isArray(index)) throw new ReadError(file, `holds no JSON object; expected ${kind.document}`);
  if (index.format !== kind.format) throw new ReadError(file, `format ${String(index.format)}, expected ${kind.format}`);
  return index;
}
