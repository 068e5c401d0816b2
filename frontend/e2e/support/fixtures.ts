import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { HourglassApi } from './api';
import { FRONTEND_DIR } from './backend';

export const DEMO_EMAIL = 'demo@hourglass.local';
export const DEMO_PASSWORD = 'hourglass-demo';
const SCREENSHOTS = path.join(FRONTEND_DIR, 'test-results', 'screenshots');

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the e2e global setup did not start the backend`);
  return value;
}

interface Fixtures {
  api: HourglassApi;
  /**
   * The CSP violations seen so far in the test's page. It must be empty when the test ends; a test
   * that provokes one on purpose asserts on it and removes what it expected.
   */
  cspViolations: CspViolation[];
  /** Saves a full-page screenshot as a test artefact: test-results/screenshots/<name>.png */
  shot: (name: string) => Promise<void>;
  /** A page already logged in as the demo admin, on the inbox. */
  inbox: Page;
}

export interface CspViolation {
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

/**
 * Records every Content-Security-Policy violation in the page's top document (the SPA's own policy,
 * sent by the API). Sandboxed email iframes are left out: their own stricter policy is meant to block.
 */
export async function watchCsp(page: Page, violations: CspViolation[] = []): Promise<CspViolation[]> {
  await page.exposeBinding('__hourglassCspViolation', ({ frame }, violation: CspViolation) => {
    if (frame === page.mainFrame()) violations.push(violation);
  });
  await page.addInitScript(() => {
    if (window.top !== window) return;
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __hourglassCspViolation: (v: unknown) => void }).__hourglassCspViolation;
      report({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: `${event.sourceFile}:${event.lineNumber}`,
        sample: event.sample,
      });
    });
  });
  return violations;
}

export const test = base.extend<Fixtures>({
  // Every test fails on a CSP violation: the built SPA must work under the policy the API sends.
  cspViolations: async ({}, use) => use([]),
  page: async ({ page, cspViolations }, use) => {
    await watchCsp(page, cspViolations);
    await use(page);
    expect(cspViolations, 'Content-Security-Policy violations in the SPA').toEqual([]);
  },
  baseURL: async ({}, use) => use(env('E2E_BASE_URL')),
  api: async ({}, use) => use(new HourglassApi(env('E2E_BASE_URL'), env('E2E_API_KEY'))),
  shot: async ({ page }, use) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await use(async (name) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    });
  },
  inbox: async ({ page }, use) => {
    await logIn(page);
    await use(page);
  },
});

export async function logIn(page: Page, email = DEMO_EMAIL, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel(/email|邮箱/i).fill(email);
  await page.getByLabel(/password|密码/i).fill(password);
  await page.getByRole('button', { name: /log in|登录/i }).click();
  await expect(page).toHaveURL(/\/inbox/);
  await expect(page.getByTestId('view-all')).toBeVisible();
}

/** The inbox row of a conversation (virtualised: only rendered rows exist in the DOM). */
export const row = (page: Page, conversationId: string) =>
  page.locator(`[data-testid="conversation-row"][data-conversation-id="${conversationId}"]`);

export async function openConversation(page: Page, conversationId: string): Promise<void> {
  await row(page, conversationId).click();
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', conversationId);
}

export { expect };

let names = 0;
/** A name no earlier run used (tests share one database per run). */
export const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${(names++).toString(36)}`;
