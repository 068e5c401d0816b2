#!/usr/bin/env node
/**
 * `npm run e2e`: the Playwright suite in Debian's Chromium (never a downloaded browser).
 * No Chromium binary -> on CI (CI set to anything but "false"/"0") the run fails, exit 1: a green
 * run there must mean the browser tests ran; locally a clear skip, exit 0. Anything else ->
 * Playwright's own exit code.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const frontend = path.resolve(here, '..');
function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else a chromium on the PATH. */
function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (dir && executable(path.join(dir, name))) return path.join(dir, name);
    }
  }
  return '/usr/bin/chromium';
}

const onCi = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());
const chromium = findChromium();
if (!executable(chromium)) {
  const where = `looked for ${chromium}; install Debian's chromium or set CHROMIUM_PATH`;
  if (onCi) {
    console.error(`e2e: FAILED: no Chromium found on CI (${where}); the browser tests cannot run`);
    process.exit(1);
  }
  console.log(`skipping browser tests: no Chromium found (${where})`);
  process.exit(0);
}

const cli = createRequire(import.meta.url).resolve('@playwright/test/cli');
const result = spawnSync(process.execPath, [cli, 'test', ...process.argv.slice(2)], {
  cwd: frontend,
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
});

// One plain closing line that any CI log reader understands.
const report = path.join(frontend, 'test-results', 'e2e-results.json');
if (existsSync(report)) {
  try {
    const { stats } = JSON.parse(readFileSync(report, 'utf8'));
    const failed = stats.unexpected ?? 0;
    console.log(`e2e: ${stats.expected ?? 0} passed, ${failed} failed, ${stats.skipped ?? 0} skipped`);
  } catch {
    // the list reporter above already said everything
  }
}
process.exit(result.status ?? 1);
