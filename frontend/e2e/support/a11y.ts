import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The axe impacts that fail a page: WCAG 2.2 AA asks for these to be fixed before shipping. */
const BLOCKING = new Set(['serious', 'critical']);
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) over the page as it is now and returns its serious
 * and critical violations, each naming the rule, the first elements and how to fix them.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  return results.violations
    .filter((v) => BLOCKING.has(v.impact ?? ''))
    .map((v) => {
      const nodes = v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`);
      return `${v.impact} ${v.id}: ${v.help}\n${nodes.join('\n')}`;
    });
}

/** Fails the test on any serious or critical axe-core violation on the page as it is now. */
export async function expectNoSeriousA11yViolations(page: Page, label = page.url()): Promise<void> {
  expect(await seriousA11yViolations(page), `accessibility violations on ${label}`).toEqual([]);
}
