import { inspect } from 'node:util';

/** An error's message (or anything thrown, described) as one line: its lines trimmed and joined. */
export function oneLine(error: unknown): string {
  let message: string;
  if (error instanceof Error) message = error.message;
  else if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') message = (error as { message: string }).message;
  else message = inspect(error, { breakLength: Infinity });
  return message.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
}
