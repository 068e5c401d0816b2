import { describe, expect, it } from 'vitest';
import { en } from '@/locales/en';
import { zhCN } from '@/locales/zh-CN';
import { actionKey, AUDIT_AREAS } from './audit-actions';

const has = (messages: object) => (key: string) => {
  let node: unknown = messages;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return typeof node === 'string';
};

describe('audit action wording', () => {
  it('words known actions in both languages and leaves unknown ones alone', () => {
    expect(actionKey('case.created', has(en))).toBe('audit.actions.case.created');
    expect(actionKey('export.downloaded', has(zhCN))).toBe('audit.actions.export.downloaded');
    expect(actionKey('case.something_new', has(en))).toBeNull();
    expect(actionKey('amazon.proactive_message.x', has(en))).toBeNull();
  });

  it('has a label for every filterable area', () => {
    for (const area of AUDIT_AREAS) {
      expect(has(en)(`audit.areas.${area}`)).toBe(true);
      expect(has(zhCN)(`audit.areas.${area}`)).toBe(true);
    }
  });
});
