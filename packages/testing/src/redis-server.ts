import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether Debian's redis-server is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether the tests that need redis-server skip here: only when CI is not set and it is absent
 * (a line on stderr says so). Under CI they run, and fail if it is missing.
 */
export function skipWithoutRedis(what: string): boolean {
  if (process.env.CI || hasRedisServer()) return false;
  process.stderr.write(`skipping ${what}: redis-server is not installed (apt-get install redis-server); under CI these tests run\n`);
  return true;
}

/** A throwaway Redis server on a loopback port. */
export interface TestRedis {
  readonly url: string;
  /** With TLS: the server's self-signed certificate, which clients must trust. */
  readonly caFile?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether openssl is on the PATH (to make a TLS certificate for {@link startRedis}). */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Options of {@link startRedis}. */
export interface TestRedisOptions {
  /** Clients must give this password (`--requirepass`); the URL carries it. */
  readonly password?: string;
  /**
   * TLS only (`--port 0 --tls-port`), with a self-signed certificate for 127.0.0.1 made with
   * openssl in a temporary folder; the URL is `rediss://` and `caFile` the certificate clients
   * must trust (e.g. NODE_EXTRA_CA_CERTS).
   */
  readonly tls?: boolean;
}

/** A self-signed certificate and its key for 127.0.0.1, in a new temporary folder. */
function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attrib-redis-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
  return { cert, key };
}

/** Starts redis-server on a free loopback port, in memory only (no snapshots, no append-only file). */
export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const tls = options.tls ? selfSignedCertificate() : undefined;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.password ? ['--requirepass', options.password] : [])];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s: ${output}`)), 10_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (${error.message}): install it with apt-get install redis-server`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (code ${code}): ${output}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolveReady();
      }
    });
  });
  return {
    url: `${tls ? 'rediss' : 'redis'}://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}127.0.0.1:${port}`,
    ...(tls ? { caFile: tls.cert } : {}),
    stop: () => new Promise((resolveStop) => {
      if (child.exitCode !== null) return resolveStop();
      child.once('exit', () => resolveStop());
      child.kill('SIGKILL');
    }),
  };
}
