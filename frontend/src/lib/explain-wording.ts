import type { TFunction } from 'i18next';

/**
 * Words for what the server explains as data: why an SLA policy applied, the built-in policies' own
 * names and sources, and why an automation rule fired or held back. The server also sends the same
 * explanation in English (`reason`); that text is only a fallback for records older than the data.
 */

export interface PolicyNaming {
  name: string;
  builtin_key?: string | null;
  name_is_builtin?: boolean;
}

export interface PolicySourcing {
  source: string;
  builtin_key?: string | null;
  source_is_builtin?: boolean;
}

export interface MatchedCondition {
  condition: string;
  value: string;
}

export interface ClockReasonDetail {
  builtin_key: string | null;
  name_is_builtin: boolean;
  matched: MatchedCondition[];
}

export interface ReasonPart {
  code: string;
  params: Record<string, unknown>;
}

export interface RunReasonDetail {
  matched: ReasonPart[];
  blocked: ReasonPart | null;
  actions: ReasonPart[];
}

/** The codes api/automation/explain.py knows; a code the SPA does not know falls back to English. */
export const RUN_MATCHED_CODES = ['outside_business_hours', 'holiday', 'keyword', 'marketplace', 'category', 'customer_tier', 'no_conditions'] as const;
export const RUN_BLOCKED_CODES = ['not_buyer', 'auto_submitted', 'spam_flagged', 'spam_likely', 'no_response_needed', 'stale', 'agent_recent', 'cooldown', 'template_failed', 'lint_refused'] as const;
export const RUN_ACTION_CODES = ['sent_template', 'label', 'priority', 'kept_priority', 'assigned', 'kept_assignee', 'reminder', 'case_opened', 'case_already_open'] as const;
export const BUILTIN_POLICY_KEYS = ['walmart_bbb_ag_complaint', 'bbb_ag_complaint', 'walmart', 'amazon', 'shopee', 'tiktok', 'ebay', 'default'] as const;
/** api/template/starter.py's keys: the starter library every organization begins with. */
export const STARTER_TEMPLATE_KEYS = ['shipping_time', 'where_is_my_order', 'return_request', 'refund_status', 'cancel_order', 'damaged_item', 'out_of_hours', 'holiday_notice'] as const;
export const MATCH_CONDITIONS = ['marketplace', 'channel', 'category', 'priority', 'customer_tier', 'label'] as const;

const has = (list: readonly string[], value: string | null | undefined): value is string => !!value && list.includes(value);

export function policyName(t: TFunction, p: PolicyNaming): string {
  return p.name_is_builtin && has(BUILTIN_POLICY_KEYS, p.builtin_key) ? t(`sla.builtinName.${p.builtin_key}`) : p.name;
}

export interface TemplateNaming {
  name: string;
  starter_key?: string | null;
  name_is_builtin?: boolean;
}

/** A starter template's name in the reader's language while it keeps its own; a renamed one as typed. */
export function templateName(t: TFunction, tpl: TemplateNaming): string {
  return tpl.name_is_builtin && has(STARTER_TEMPLATE_KEYS, tpl.starter_key) ? t(`templates.starterName.${tpl.starter_key}`) : tpl.name;
}

export function policySource(t: TFunction, p: PolicySourcing): string {
  return p.source_is_builtin && has(BUILTIN_POLICY_KEYS, p.builtin_key) ? t(`sla.builtinSource.${p.builtin_key}`) : p.source;
}

/** A value as the rest of the SPA shows it: marketplaces, categories, priorities, tiers and labels by name. */
function conditionValue(t: TFunction, m: MatchedCondition): string {
  switch (m.condition) {
    case 'marketplace':
      return t(`marketplace.${m.value}`, { defaultValue: m.value });
    case 'category':
      return t(`category.${m.value}`, { defaultValue: m.value });
    case 'priority':
      return t(`priority.${m.value}`, { defaultValue: m.value });
    case 'customer_tier':
      return t(`customer.tier.${m.value}`, { defaultValue: m.value });
    case 'label':
      return t(`riskLabel.${m.value}`, { defaultValue: m.value });
    default:
      return m.value;
  }
}

/** "Policy “Amazon” applies: marketplace Amazon" in the reader's language; null without the data. */
export function clockReason(t: TFunction, detail: ClockReasonDetail | null, name: string | null): string | null {
  if (!detail || name === null) return null;
  const policy = policyName(t, { name, builtin_key: detail.builtin_key, name_is_builtin: detail.name_is_builtin });
  const known = detail.matched.filter((m) => has(MATCH_CONDITIONS, m.condition));
  if (known.length === 0) return t('sla.reason.default', { policy });
  const conditions = known.map((m) => t(`sla.reason.condition.${m.condition}`, { value: conditionValue(t, m) })).join(t('common.listSeparator'));
  return t('sla.reason.matched', { policy, conditions });
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function partParams(t: TFunction, part: ReasonPart, templateName: (id: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(part.params)) out[key] = text(value);
  if (out.marketplace) out.marketplace = t(`marketplace.${out.marketplace}`, { defaultValue: out.marketplace });
  if (out.category) out.category = t(`category.${out.category}`, { defaultValue: out.category });
  if (out.tier) out.tier = t(`customer.tier.${out.tier}`, { defaultValue: out.tier });
  if (out.priority) out.priority = t(`priority.${out.priority}`, { defaultValue: out.priority });
  if (out.kind) out.kind = t(`cases.kind.${out.kind}`, { defaultValue: out.kind });
  if (out.author_kind) out.author_kind = t(`automation.authorKind.${out.author_kind}`, { defaultValue: out.author_kind });
  if (out.template_id) out.template = templateName(out.template_id) ?? out.template_id.slice(0, 8);
  if (out.language) out.language = t(`languages.${out.language}`, { defaultValue: out.language });
  if (out.case_id) out.case_id = out.case_id.slice(0, 8);
  return out;
}

/** Why a rule fired or held back, in the reader's language; null when the run has no data (older runs). */
export function runReason(t: TFunction, detail: RunReasonDetail | null | undefined): string | null {
  if (!detail) return null;
  if (detail.matched.some((p) => !has(RUN_MATCHED_CODES, p.code))) return null;
  const noName = () => undefined;
  const matched = detail.matched.length
    ? detail.matched.map((p) => t(`automation.matched.${p.code}`, partParams(t, p, noName))).join(t('common.listSeparator'))
    : t('automation.matched.no_conditions');
  if (!detail.blocked) return t('automation.fired', { matched });
  const blocked = detail.blocked;
  if (!has(RUN_BLOCKED_CODES, blocked.code)) return null;
  let because = t(`automation.blocked.${blocked.code}`, partParams(t, blocked, noName));
  if (blocked.code === 'lint_refused' && Array.isArray(blocked.params.violations)) {
    const items = (blocked.params.violations as Record<string, unknown>[]).map((v) => {
      const marketplace = t(`marketplace.${text(v.marketplace)}`, { defaultValue: text(v.marketplace) });
      return t(`compliance.code.${text(v.code)}`, { excerpt: text(v.excerpt), marketplace, defaultValue: text(v.code) });
    });
    because = `${because}${items.join(t('common.listSeparator'))}`;
  }
  return t('automation.suppressed', { matched, because });
}

/** What a rule did, in the reader's language; null when the run has no data or an unknown code. */
export function runActions(t: TFunction, detail: RunReasonDetail | null | undefined, templateName: (id: string) => string | undefined): string | null {
  if (!detail || detail.actions.some((p) => !has(RUN_ACTION_CODES, p.code))) return null;
  return detail.actions.map((p) => t(`automation.action.${p.code}`, partParams(t, p, templateName))).join(t('common.listSeparator'));
}
