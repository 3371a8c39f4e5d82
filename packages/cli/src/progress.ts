import cliProgress from 'cli-progress';

/** Progress of one long task, reported on stderr. */
export interface Progress {
  /** Sets the number of finished work units. */
  update(done: number): void;
  /** Adds finished work units (one by default). */
  increment(by?: number): void;
  /** Ends the report (completes the bar, or prints the last plain line). */
  stop(): void;
}

export interface ProgressOptions {
  /** With `--json` nothing is printed: stdout holds only JSON and stderr stays quiet. */
  readonly silent: boolean;
  /** Where to report; stderr unless a test says otherwise. */
  readonly stream?: NodeJS.WriteStream;
  /** Plain-line mode prints at most this many lines besides the last (default 10). */
  readonly lines?: number;
}

const SILENT: Progress = { update() {}, increment() {}, stop() {} };

/**
 * A progress bar (cli-progress) when the stream is a terminal, plain `label: done/total` lines
 * otherwise (logs, CI), nothing when silent.
 */
export function createProgress(label: string, total: number, options: ProgressOptions): Progress {
  if (options.silent) return SILENT;
  const stream = options.stream ?? process.stderr;
  let done = 0;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update(value) { done = value; bar.update(done); },
      increment(by = 1) { done += by; bar.update(done); },
      stop() { bar.stop(); },
    };
  }
  // Plain lines: one each time another `step` units are done, and one at the end.
  const step = Math.max(1, Math.ceil(total / (options.lines ?? 10)));
  let printedBucket = 0;
  let printedValue: number | undefined;
  const print = (): void => {
    stream.write(`${label}: ${done}/${total}\n`);
    printedValue = done;
  };
  const maybePrint = (): void => {
    const bucket = Math.floor(done / step);
    if (done >= total || bucket > printedBucket) {
      printedBucket = bucket;
      if (printedValue !== done) print();
    }
  };
  return {
    update(value) { done = value; maybePrint(); },
    increment(by = 1) { done += by; maybePrint(); },
    stop() { if (printedValue !== done) print(); },
  };
}
