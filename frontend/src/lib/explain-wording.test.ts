import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '@/locales/en';
import { zhCN } from '@/locales/zh-CN';
import { BUILTIN_POLICY_KEYS, clockReason, policyName, RUN_ACTION_CODES, RUN_BLOCKED_CODES, RUN_MATCHED_CODES, runActions, runReason, STARTER_TEMPLATE_KEYS, templateName } from './explain-wording';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** The keys of a Python dict literal `NAME = { "key": ... }` in a server module. */
function pythonDictKeys(file: string, name: string): string[] {
  const source = readFileSync(path.join(REPO, file), 'utf8');
  const start = source.indexOf(`${name} = {`);
  expect(start, `${name} in ${file}`).toBeGreaterThan(-1);
  const body = source.slice(start, source.indexOf('\n}', start));
  return [...body.matchAll(/^ {4}"(\w+)":/gm)].map((m) => m[1]!);
}

async function translator(lng: 'en' | 'zh-CN') {
  const i = i18next.createInstance();
  await i.init({ lng, resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, interpolation: { escapeValue: false } });
  return i.t;
}

describe('server explanations', () => {
  it('knows every code the server writes, and has words for each in both languages', async () => {
    expect([...RUN_MATCHED_CODES].sort()).toEqual(pythonDictKeys('api/automation/explain.py', 'MATCHED').sort());
    expect([...RUN_BLOCKED_CODES].sort()).toEqual(pythonDictKeys('api/automation/explain.py', 'BLOCKED').sort());
    expect([...RUN_ACTION_CODES].sort()).toEqual(pythonDictKeys('api/automation/explain.py', 'ACTIONS').sort());
    const catalog = readFileSync(path.join(REPO, 'api/sla/catalog.py'), 'utf8');
    expect([...BUILTIN_POLICY_KEYS].sort()).toEqual([...catalog.matchAll(/^\s+key="(\w+)",$/gm)].map((m) => m[1]).sort());
    const starters = readFileSync(path.join(REPO, 'api/template/starter.py'), 'utf8');
    expect([...STARTER_TEMPLATE_KEYS].sort()).toEqual([...starters.matchAll(/^ {8}"(\w+)",\n {8}"/gm)].map((m) => m[1]).sort());
    for (const lng of ['en', 'zh-CN'] as const) {
      const t = await translator(lng);
      const missing = [
        ...STARTER_TEMPLATE_KEYS.map((k) => `templates.starterName.${k}`),
        ...RUN_MATCHED_CODES.map((c) => `automation.matched.${c}`),
        ...RUN_BLOCKED_CODES.map((c) => `automation.blocked.${c}`),
        ...RUN_ACTION_CODES.map((c) => `automation.action.${c}`),
        ...BUILTIN_POLICY_KEYS.flatMap((k) => [`sla.builtinName.${k}`, `sla.builtinSource.${k}`]),
      ].filter((key) => t(key) === key);
      expect(missing, lng).toEqual([]);
    }
  });

  it('words why a clock’s policy applied, built-in names in the reader’s language, renamed ones as typed', async () => {
    const zh = await translator('zh-CN');
    const detail = { builtin_key: 'amazon', name_is_builtin: true, matched: [{ condition: 'marketplace', value: 'amazon' }, { condition: 'category', value: 'shipping' }] };
    expect(clockReason(zh, detail, 'Amazon (24 h, weekends and holidays included)')).toBe('适用策略“亚马逊（24 小时，含周末和节假日）”：平台为亚马逊、分类为物流配送');
    expect(clockReason(zh, { builtin_key: 'default', name_is_builtin: true, matched: [] }, 'Default (24 h)')).toBe('适用策略“默认（24 小时）”：没有其他策略匹配');
    expect(policyName(zh, { name: 'Our VIP rule', builtin_key: 'amazon', name_is_builtin: false })).toBe('Our VIP rule');
    expect(clockReason(zh, null, 'x')).toBeNull();
    expect(templateName(zh, { name: 'Out-of-hours acknowledgement', starter_key: 'out_of_hours', name_is_builtin: true })).toBe('非工作时间自动确认');
    expect(templateName(zh, { name: '我们的确认', starter_key: 'out_of_hours', name_is_builtin: false })).toBe('我们的确认');
    const enT = await translator('en');
    expect(clockReason(enT, detail, 'Amazon (24 h, weekends and holidays included)')).toBe('Policy “Amazon (24 h, weekends and holidays included)” applies: marketplace Amazon, category Shipping');
  });

  it('words an automation run, including the compliance linter’s refusals, and falls back on unknown codes', async () => {
    const zh = await translator('zh-CN');
    const fired = { matched: [{ code: 'keyword', params: { keyword: '发货' } }], blocked: null, actions: [{ code: 'priority', params: { priority: 'high' } }, { code: 'sent_template', params: { template_id: 't-1', language: 'en' } }] };
    expect(runReason(zh, fired)).toBe('已匹配：关键词“发货”');
    expect(runActions(zh, fired, (id) => (id === 't-1' ? '发货通知' : undefined))).toBe('优先级设为高、已发送“发货通知”（英语）');
    const refused = {
      matched: [{ code: 'outside_business_hours', params: {} }],
      blocked: { code: 'lint_refused', params: { template: 'Promo', messages: 'x', violations: [{ code: 'external_link', marketplace: 'walmart', excerpt: 'http://x.example' }] } },
      actions: [],
    };
    expect(runReason(zh, refused)).toBe('已匹配（非工作时间），但合规检查拒绝了模板“Promo”：沃尔玛不允许包含站外链接：http://x.example');
    expect(runReason(zh, { matched: [], blocked: { code: 'cooldown', params: { minutes: 1440 } }, actions: [] })).toBe('已匹配（无条件），但该规则在 1440 分钟冷却期内已在此会话触发过');
    expect(runReason(zh, { matched: [{ code: 'from_the_future', params: {} }], blocked: null, actions: [] })).toBeNull();
    expect(runReason(zh, null)).toBeNull();
  });
});
