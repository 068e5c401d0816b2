/**
 * Starts the real backend (`hourglass demo`: migrations, demo organisation, API + worker, serving
 * frontend/dist) on a free loopback port for the browser tests, and tears all of it down after.
 *
 * Database: with HOURGLASS_TEST_DATABASE_URL / HOURGLASS_TEST_REDIS_URL (CI sets them when the
 * machine's own servers answer) a fresh `hourglass_e2e_<pid>` database and Redis db 8 are used; otherwise
 * the demo starts its embedded PostgreSQL and Redis inside a temporary data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = path.resolve(FRONTEND_DIR, '..');
// The backend's virtualenv: the checkout's own .venv, or HOURGLASS_E2E_VENV (e.g. a git worktree
// that shares another checkout's venv; put the worktree on PYTHONPATH so its code is what runs).
const VENV = process.env['HOURGLASS_E2E_VENV'] || path.join(REPO_DIR, '.venv');
const HOURGLASS = path.join(VENV, 'bin', 'hourglass');
const PYTHON = path.join(VENV, 'bin', 'python');
// One database per run: two runs against one server (two checkouts, two CI jobs) must never drop
// each other's database mid-run, as one shared name did ("terminating connection due to
// administrator command" while migrating).
const E2E_DATABASE = `hourglass_e2e_${process.pid}`;
const E2E_REDIS_DB = '8';
const STARTUP_TIMEOUT_MS = 180_000;

export interface Backend {
  baseUrl: string;
  apiKey: string;
  /** The marketplace sandbox's HTTP API (its consent pages and /_sandbox control API). */
  sandboxUrl: string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a few lines of Python in the backend's own venv (asyncpg and redis are installed there). */
function python(code: string, ...args: string[]): void {
  const result = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python helper failed: ${result.stderr || result.stdout}`);
}

const RECREATE_DATABASE = `
import asyncio, sys, asyncpg
async def main(url, name, drop_only):
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop_only != '1':
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
`;

const FLUSH_REDIS = `
import sys, redis
redis.Redis.from_url(sys.argv[1]).flushdb()
`;

function withPath(url: string, pathname: string): string {
  const u = new URL(url.replace('+asyncpg', ''));
  u.pathname = pathname;
  return u.toString();
}

function killFromPidFile(file: string): void {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]?.trim());
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startBackend(logDir: string): Promise<Backend> {
  if (!existsSync(HOURGLASS)) {
    throw new Error(`The backend is not installed (${HOURGLASS} is missing): run \`make install\` in ${REPO_DIR} first.`);
  }
  if (!existsSync(path.join(FRONTEND_DIR, 'dist', 'index.html'))) {
    throw new Error('frontend/dist is missing: run `npm run build` before `npm run e2e`.');
  }
  mkdirSync(logDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hourglass-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOURGLASS_DATA_DIR: dataDir, HOURGLASS_LOG_LEVEL: 'WARNING' };
  // A developer's own database must never receive test traffic.
  delete env['HOURGLASS_DATABASE_URL'];
  delete env['HOURGLASS_REDIS_URL'];

  const testDb = process.env['HOURGLASS_TEST_DATABASE_URL'];
  const adminDbUrl = testDb ? withPath(testDb, '/postgres') : null;
  if (testDb && adminDbUrl) {
    python(RECREATE_DATABASE, adminDbUrl, E2E_DATABASE, '0');
    env['HOURGLASS_DATABASE_URL'] = withPath(testDb, `/${E2E_DATABASE}`);
  }
  const testRedis = process.env['HOURGLASS_TEST_REDIS_URL'];
  if (testRedis) {
    const url = new URL(testRedis);
    url.pathname = `/${E2E_REDIS_DB}`;
    env['HOURGLASS_REDIS_URL'] = url.toString();
    python(FLUSH_REDIS, url.toString());
  }

  const port = await freePort();
  // Never the default 8100: a developer's `make run` (or a second checkout) may hold it.
  const sandboxPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The webhook tests deliver to a receiver on this machine: allow loopback (plain http) for them.
  env['HOURGLASS_OUTBOUND_ALLOWED'] = '127.0.0.0/8';
  const log = createWriteStream(path.join(logDir, 'backend.log'));
  // detached: its own process group, so teardown stops the API and the worker with one signal.
  // --no-history: the specs count what they create; the demo's backfilled week would shift their figures.
  const child = spawn(HOURGLASS, ['demo', '--port', String(port), '--sandbox-port', String(sandboxPort), '--no-history'], {
    cwd: dataDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let apiKey: string | null = null;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    log.write(text);
    output += text;
    apiKey ??= /API key:\s+(hg_\S+)/.exec(output)?.[1] ?? null;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async () => {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // group already gone
      }
      if (!(await waitForExit(child, 20_000))) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await waitForExit(child, 5_000);
      }
    }
    // Embedded servers run detached from the demo (daemonised Redis; PostgreSQL stops at the
    // demo's exit unless it was killed): stop whatever is left in the data directory.
    killFromPidFile(path.join(dataDir, 'redis', 'redis.pid'));
    killFromPidFile(path.join(dataDir, 'pg', 'postmaster.pid'));
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
    if (adminDbUrl) {
      try {
        python(RECREATE_DATABASE, adminDbUrl, E2E_DATABASE, '1');
      } catch {
        // left for the next run, which drops it first
      }
    }
    log.end();
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`hourglass demo exited with ${child.exitCode} before it was ready:\n${output.slice(-3000)}`);
    }
    if (apiKey) {
      try {
        const ready = await fetch(`${baseUrl}/readyz`);
        if (ready.ok) return { baseUrl, apiKey, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, stop };
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`hourglass demo was not ready after ${STARTUP_TIMEOUT_MS / 1000}s:\n${output.slice(-3000)}`);
}
