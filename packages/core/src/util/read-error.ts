import { oneLine } from './one-line.js';

/**
 * The error every file reader of attrib throws: one line, `<file>: <what was expected or found>`.
 * `file` is the path as the caller gave it; `problem` says what the reader expected and what it
 * found instead. Readers throw it for everything a damaged or hostile file can cause, so a user
 * always learns which file to look at.
 */
export class ReadError extends Error {
  override readonly name = 'ReadError';

  constructor(
    /** The file (or other source) the reader was reading. */
    readonly file: string,
    /** What was expected and what was found; one line. */
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem.split('\n').map((line) => line.trim()).filter(Boolean).join(' ')}`, options);
  }
}

/**
 * Messages the JavaScript engine produces when a reader trusted a damaged file too far
 * (`Offset is outside the bounds of the DataView`, `x is not iterable`, ...). They say nothing a
 * user can act on, so {@link toReadError} replaces them by what the reader expected.
 */
function isEngineError(error: unknown): boolean {
  return error instanceof RangeError || error instanceof TypeError || error instanceof SyntaxError
    || (error instanceof Error && error.name === 'InternalError');
}

/**
 * Turns anything a reader threw into a {@link ReadError} naming `file`. A `ReadError` keeps its
 * problem; an error already naming the file (`<file>: ...`) keeps its text; an engine error
 * (RangeError, TypeError: a damaged file read past its checks) becomes
 * `<file>: <expected>; the file is damaged or truncated`; any other error is prefixed with the file.
 * A problem that does not say what was expected gets `; <expected>` appended.
 */
export function toReadError(file: string, expected: string, error: unknown): ReadError {
  const message = oneLine(error);
  let problem: string;
  if (error instanceof ReadError) problem = error.problem;
  else if (isEngineError(error)) problem = `${expected}; the file is damaged or truncated`;
  else if (message.startsWith(`${file}: `)) problem = message.slice(file.length + 2);
  else problem = message;
  // Every message says what was expected: a detail found deep in a reader gets the reader's expectation.
  // (`not an attrib checkpoint (...)` already says it.)
  if (!/\bexpected\b|\bnot an? /.test(problem)) problem = `${problem}; ${expected}`;
  if (error instanceof ReadError && problem === error.problem) return error;
  return new ReadError(file, problem, { cause: error });
}

/** Runs a synchronous reader, every error it throws turned into a {@link ReadError} (see {@link toReadError}). */
export function guardRead<T>(file: string, expected: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw toReadError(file, expected, error);
  }
}

/** {@link guardRead} for an asynchronous reader. */
export async function guardReadAsync<T>(file: string, expected: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw toReadError(file, expected, error);
  }
}

/** The system's reason a file could not be read (`ENOENT`, `EISDIR`, ...), for `cannot read` errors. */
export function ioReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? oneLine(error);
}
