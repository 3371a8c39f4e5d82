import type { RunHooks, TrainingEvent } from '@attrib/core';
import type { Progress } from '../progress.js';

/** What the hooks need from the command. */
export interface ProgressOutput {
  progress(label: string, total: number): Progress;
  info(text: string): void;
  warn(text: string): void;
}

function formatNumbers(values: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(values ?? {}).map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`).join(', ');
}

/**
 * Run hooks that show training as the CLI does everywhere: a bar per epoch (plain lines when
 * stderr is not a terminal, nothing with --json), one line per finished epoch with its losses and
 * report, warnings for retries, and the pipeline's notes.
 */
export function trainingHooks(output: ProgressOutput): RunHooks {
  let bar: Progress | undefined;
  let metricBar: { name: string; bar: Progress } | undefined;
  const losses: Record<string, number> = {};
  let count = 0;
  return {
    onEvent(event: TrainingEvent) {
      const where = `${event.unit} epoch ${event.epoch + 1}/${event.epochs}`;
      switch (event.type) {
        case 'start':
          if (event.message) output.info(`${event.unit}: ${event.message}`);
          break;
        case 'step':
          if (event.step === 1) {
            bar?.stop();
            bar = output.progress(where, event.steps ?? 1);
            for (const name of Object.keys(losses)) delete losses[name];
            count = 0;
          }
          for (const [name, value] of Object.entries(event.losses ?? {})) losses[name] = (losses[name] ?? 0) + value;
          count += 1;
          bar?.update(event.step ?? 0);
          break;
        case 'epoch': {
          bar?.stop();
          bar = undefined;
          const means = Object.fromEntries(Object.entries(losses).map(([name, sum]) => [name, sum / Math.max(count, 1)]));
          output.info(`${where}: ${formatNumbers(event.report)}${count ? ` (loss ${formatNumbers(means)})` : ''}`);
          break;
        }
        case 'retry':
          output.warn(event.message ?? `${event.unit}: training again`);
          break;
        case 'done':
          bar?.stop();
          bar = undefined;
          break;
      }
    },
    onMetricProgress(metric, done, total) {
      if (metricBar?.name !== metric) {
        metricBar?.bar.stop();
        metricBar = { name: metric, bar: output.progress(metric, total) };
      }
      metricBar.bar.update(done);
      if (done >= total) {
        metricBar.bar.stop();
        metricBar = undefined;
      }
    },
    log: (line) => output.info(line),
  };
}
