import { expect } from 'vitest';

/** Engine messages that must never reach a user: they say neither which file nor what was expected. */
const RAW_MESSAGES = /outside the bounds|Invalid typed array length|is not iterable|Cannot read propert|is not a function|Maximum call stack|byte length of|Invalid array length|not valid for encoding|Unexpected token|Array buffer allocation failed|memory access out of bounds|invalid stored block|invalid distance|incorrect header check|Cannot convert/;
/** Every reader error says what was expected (`...; expected a PyTorch checkpoint`, `not an attrib checkpoint (...)`). */
const EXPECTATION = /\bexpected\b|\bnot (an?|valid) /;

/** What one case did: read correctly or refused, in how long and with how much new peak memory. */
export interface CaseResult {
  readonly ok: boolean;
  readonly message?: string;
  readonly ms: number;
  /** Growth of the process's peak resident memory during the case, in bytes. */
  readonly peakGrowth: number;
  /** What the read returned, when it succeeded. */
  readonly value?: unknown;
}

function maxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Runs one reader call, measuring its time and the growth of peak memory. */
export async function runCase(read: () => unknown): Promise<CaseResult> {
  const before = maxRss();
  const start = performance.now();
  try {
    const value = await read();
    return { ok: true, value, ms: performance.now() - start, peakGrowth: maxRss() - before };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error), ms: performance.now() - start, peakGrowth: maxRss() - before };
  }
}

/** Slack for the collector's own growth within a case (the budget is otherwise exact). */
export const MEMORY_SLACK = 48 * 2 ** 20;
export const TIME_BUDGET_MS = 5000;

/**
 * The assertion of every fuzz case: either a correct read or a one-line error that starts with the
 * file's name and says what was expected, never an engine message; within 5 s and a peak memory
 * growth of at most 4x the file's size plus `trueBytes` (the declared tensors' true size, for a
 * correct read) plus {@link MEMORY_SLACK}.
 */
export function expectWithinBudget(result: CaseResult, source: string, fileBytes: number, trueBytes: number, what: string): void {
  const context = `${what}: ${result.message ?? 'read'}`;
  expect(result.ms, context).toBeLessThan(TIME_BUDGET_MS);
  expect(result.peakGrowth, `${context} (peak memory grew ${result.peakGrowth} bytes)`).toBeLessThanOrEqual(4 * fileBytes + trueBytes + MEMORY_SLACK);
  if (result.ok) return;
  const message = result.message!;
  expect(message, context).not.toContain('\n');
  expect(message.startsWith(`${source}: `) || message.startsWith(`config file ${source}: `), `${context} does not start with the file`).toBe(true);
  expect(message, context).not.toMatch(RAW_MESSAGES);
  expect(message, context).toMatch(EXPECTATION);
}
