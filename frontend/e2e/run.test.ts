import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm run e2e` without a browser: a skip on a developer's machine, a failure on CI. */
const RUN = path.join(__dirname, 'run.mjs');

function runWithoutChromium(ci: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' };
  delete env['CI'];
  if (ci !== undefined) env['CI'] = ci;
  return spawnSync(process.execPath, [RUN], { env, encoding: 'utf8' });
}

describe('e2e runner without Chromium', () => {
  it.each(['true', '1'])('fails on CI (CI=%s)', (ci) => {
    const result = runWithoutChromium(ci);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no Chromium found on CI');
  });

  it.each([undefined, 'false', '0'])('skips with a message elsewhere (CI=%s)', (ci) => {
    const result = runWithoutChromium(ci);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('skipping browser tests: no Chromium found');
  });
});
