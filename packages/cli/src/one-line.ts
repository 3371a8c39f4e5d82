/** A message as one line: oclif's multi-line parse errors are joined, help hints dropped. */
export function oneLineMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^See more help with --help$/.test(line) && line !== 'The following error occurred:')
    .join(' ');
}
