import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'worker-child.ts');

/** A worker process (worker-child.ts) and its stdout lines. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts a queue worker process on `url` (test plugins, one unit thread); resolves once it is connected. */
export function startWorker(url: string, lockMs: number, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, url, String(lockMs)], {
    cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal, stderr }));
  });
  return new Promise((resolveReady, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line === 'ready') resolveReady({ child, lines, exited });
      }
    });
    void exited.then(({ code, stderr: err }) => reject(new Error(`worker exited (code ${code}) before it was ready: ${err}`)));
  });
}

/** The lines of `worker` saying it finished something (`...: done in 1.2 s`). */
export function doneLines(worker: WorkerProcess): string[] {
  return worker.lines.filter((l) => / done in [\d.]+ s$/.test(l));
}
