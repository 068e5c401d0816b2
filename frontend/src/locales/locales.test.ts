import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, MARKETPLACES, PRIORITIES, ROLES, SLA_FILTERS, SORTS, SPAM_REASONS, STATUSES, VIEWS } from '@/lib/enums';
import { en } from './en';
import { zhCN } from './zh-CN';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else flatten(value, full).forEach((v, k) => out.set(k, v));
  }
  return out;
}

const enKeys = flatten(en);
const zhKeys = flatten(zhCN);
const SRC = path.resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** i18next resolves `key` or, with a count, `key_one` / `key_other`. */
const resolves = (key: string) => enKeys.has(key) || enKeys.has(`${key}_other`);

describe('locales', () => {
  it('zh-CN and en have exactly the same keys, none empty', () => {
    expect([...zhKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
    for (const [key, value] of [...enKeys, ...zhKeys]) expect(value.trim(), key).not.toBe('');
  });

  it('keeps the same {{placeholders}} in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of enKeys) expect(placeholders(zhKeys.get(key) ?? ''), key).toEqual(placeholders(value));
  });

  it('has a string for every literal key the code asks for', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bt\('([\w.]+)'/g)) {
        if (!resolves(match[1]!)) missing.push(`${path.relative(SRC, file)}: ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a string for every enum value shown through a dynamic key', () => {
    const groups: [string, readonly string[]][] = [
      ['view', VIEWS],
      ['status', STATUSES],
      ['priority', PRIORITIES],
      ['category', CATEGORIES],
      ['marketplace', MARKETPLACES],
      ['spamReason', SPAM_REASONS],
      ['sla.state', SLA_FILTERS],
      ['sort', SORTS],
      ['role', ROLES],
      ['delivery', ['queued', 'sending', 'sent', 'failed']],
      ['sla.tone', ['green', 'amber', 'red']],
    ];
    for (const [prefix, values] of groups) for (const v of values) expect(resolves(`${prefix}.${v}`), `${prefix}.${v}`).toBe(true);
  });

  it('translates every zh-CN string: no English left except the names marketplaces give their credentials', () => {
    // What the seller's back office calls these fields, so they are shown as the marketplace spells them.
    const names = new Set(['TikTok Shop', 'Client ID', 'Client Secret', 'LWA Client ID', 'LWA Client Secret', 'Refresh Token', 'Access Token', 'Marketplace ID', 'Partner ID', 'Partner Key', 'App Key', 'App Secret', 'Shop Cipher']);
    // Brands and technical identifiers kept as they are written in Chinese UIs too.
    for (const name of ['Shopee', 'DeepL', 'Webhooks', 'bbb_complaint…']) names.add(name);
    const untranslated: string[] = [];
    for (const [key, value] of zhKeys) {
      const text = value.replace(/\{\{\w+\}\}/g, '');
      // Two Latin words in a row and no Chinese at all: an English string copied across.
      if (!/[\u3400-\u9fff]/.test(text) && /[A-Za-z]{2,}[\s-]+[A-Za-z]{2,}/.test(text) && !names.has(text)) untranslated.push(`${key}: ${value}`);
      if (text.length > 3 && value === enKeys.get(key) && !/[\u3400-\u9fff]/.test(text) && !names.has(text) && /[a-z]{3}/.test(text)) untranslated.push(`${key} (same as en): ${value}`);
    }
    expect(untranslated).toEqual([]);
  });

  it('has no hard-coded English text in components (JSX text must come from t())', () => {
    const offenders: string[] = [];
    const allowed = new Set(['Hourglass', 'English', 'Ctrl', 'Enter', 'Ctrl+Enter', 'j', 'k']);
    for (const file of sourceFiles(SRC).filter((f) => f.endsWith('.tsx'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/>\s*([A-Za-z][A-Za-z ,.'!?-]*[A-Za-z.!?])\s*</g)) {
        const words = match[1]!.trim();
        if (!allowed.has(words)) offenders.push(`${path.relative(SRC, file)}: "${words}"`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
