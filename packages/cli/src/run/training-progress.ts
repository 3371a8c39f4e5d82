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
  // Per unit: generators trained in worker threads report side by side.
  const units = new Map<string, { bar?: Progress; losses: Record<string, number>; count: number }>();
  let metricBar: { name: string; bar: Progress } | undefined;
  const unitOf = (name: string) => {
    let unit = units.get(name);
    if (!unit) units.set(name, (unit = { losses: {}, count: 0 }));
    return unit;
  };
  return {
    onEvent(event: TrainingEvent) {
      const where = `${event.unit} epoch ${event.epoch + 1}/${event.epochs}`;
      const unit = unitOf(event.unit);
      switch (event.type) {
        case 'start':
          if (event.message) output.info(`${event.unit}: ${event.message}`);
          break;
        case 'step':
          if (event.step === 1) {
            unit.bar?.stop();
            unit.bar = output.progress(where, event.steps ?? 1);
            unit.losses = {};
            unit.count = 0;
          }
          for (const [name, value] of Object.entries(event.losses ?? {})) unit.losses[name] = (unit.losses[name] ?? 0) + value;
          unit.count += 1;
          unit.bar?.update(event.step ?? 0);
          break;
        case 'epoch': {
          unit.bar?.stop();
          delete unit.bar;
          const means = Object.fromEntries(Object.entries(unit.losses).map(([name, sum]) => [name, sum / Math.max(unit.count, 1)]));
          output.info(`${where}: ${formatNumbers(event.report)}${unit.count ? ` (loss ${formatNumbers(means)})` : ''}`);
          break;
        }
        case 'retry':
          output.warn(event.message ?? `${event.unit}: training again`);
          break;
        case 'done':
          unit.bar?.stop();
          units.delete(event.unit);
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
