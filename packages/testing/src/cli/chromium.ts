import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's chromium, which the report tests open pages in. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser checks run: true when chromium is installed. Where it is absent they are
 * skipped (and reported as skipped) on a developer's machine, so the README's test command works
 * on a fresh clone; in CI (`CI` set, as .ci/run does after installing chromium) its absence is an
 * error saying how to install it, so CI never passes without opening the page.
 */
export function chromiumAvailable(path = CHROMIUM, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(path)) return true;
  if (env.CI && env.CI !== 'false') throw new Error(`${path} not found: install Debian's chromium (apt-get install -y chromium); CI requires the browser checks`);
  return false;
}

/** Runs headless chromium on a local HTML file with `extra` flags; resolves with its stdout. */
export async function headlessChromium(file: string, extra: readonly string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'attrib-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...extra, pathToFileURL(file).href,
  ];
  try {
    return await new Promise<string>((resolvePromise, reject) => {
      execFile(CHROMIUM, args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium ${extra.join(' ')} ${file}: ${error.message}\n${stderr}`));
        else resolvePromise(stdout);
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The DOM after load, serialised (`--dump-dom`). */
export function dumpDom(file: string): Promise<string> {
  return headlessChromium(file, ['--dump-dom']);
}

/** A screenshot of the page at `width` x `height` written to `png`. */
export async function screenshot(file: string, png: string, width: number, height: number): Promise<void> {
  await headlessChromium(file, [`--screenshot=${png}`, `--window-size=${width},${height}`, '--hide-scrollbars']);
}
