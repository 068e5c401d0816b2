import { describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { i18n } from '@/lib/i18n';
import { describeActivity, type Directory } from './activity-text';

type AuditEntry = components['schemas']['AuditRead'];

const LI = 'u-li';
const dir: Directory = {
  userName: (id) => (id === LI ? 'Li Na' : id === 'u-me' ? 'Demo Admin' : undefined),
  teamName: (id) => (id === 't-care' ? 'Care' : undefined),
};

function entry(action: string, data: Record<string, unknown>, actor: Partial<AuditEntry> = {}): AuditEntry {
  return { id: 1, actor_type: 'user', actor_id: 'u-me', action, entity_type: 'conversation', entity_id: 'c1', data, created_at: '2026-12-04T10:00:00Z', ...actor };
}

const say = (e: AuditEntry, lang = 'en') => {
  const r = describeActivity(e, i18n.getFixedT(lang), dir);
  return `${r.actor} ${r.changes.join(' | ')}${r.detail ? ` (${r.detail})` : ''}`;
};

describe('activity in words', () => {
  it('names the person and the new value, in both languages', () => {
    const e = entry('conversation.updated', { assignee_id: { from: null, to: LI }, priority: { from: 'high', to: 'urgent' }, waiting_since: { from: 'x', to: null } });
    expect(say(e)).toBe('Demo Admin assigned to Li Na | set priority to Urgent');
    expect(say(e, 'zh-CN')).toBe('Demo Admin 分配给 Li Na | 将优先级设为 紧急');
  });

  it('says which macro a person applied, and marks the changes it made', () => {
    const applied = entry('macro.applied', { macro: 'Shipped', macro_id: 'm1', changed: ['priority'], replied: true });
    expect(say(applied)).toBe('Demo Admin applied macro “Shipped”');
    expect(say(applied, 'zh-CN')).toBe('Demo Admin 应用了宏“Shipped”');
    const updated = entry('conversation.updated', { priority: { from: 'normal', to: 'urgent' }, by_macro: 'Shipped' });
    expect(say(updated)).toBe('Demo Admin set priority to Urgent (with macro “Shipped”)');
  });

  it('says why a rule held back in the reader’s language, the English only for entries without codes', () => {
    const held = entry(
      'automation.suppressed',
      { rule: 'Ack', reason: 'matched (outside business hours) but an agent replied in the last 5 minutes', reason_detail: { matched: [{ code: 'outside_business_hours', params: {} }], blocked: { code: 'agent_recent', params: { minutes: 5 } }, actions: [] } },
      { actor_type: 'automation', actor_id: null },
    );
    expect(describeActivity(held, i18n.getFixedT('zh-CN'), dir).detail).toBe('已匹配（非工作时间），但客服在最近 5 分钟内回复过');
    const old = entry('automation.suppressed', { rule: 'Ack', reason: 'matched: x but y' }, { actor_type: 'automation', actor_id: null });
    expect(describeActivity(old, i18n.getFixedT('zh-CN'), dir).detail).toBe('matched: x but y');
  });

  it('names the rule that changed something', () => {
    const e = entry('conversation.updated', { labels: { from: ['vip'], to: ['vip', 'damage'] }, by_rule: 'Damaged items' }, { actor_type: 'automation', actor_id: null });
    expect(say(e)).toBe('Rule “Damaged items” added label damage');
    expect(say(e, 'zh-CN')).toBe('规则“Damaged items” 添加了标签 damage');
  });

  it('routing, unassigning, teams and removed labels', () => {
    expect(say(entry('conversation.routed', { assignee_id: LI, reason: 'x' }, { actor_type: 'automation', actor_id: null }))).toBe('Automation assigned to Li Na');
    expect(say(entry('conversation.updated', { assignee_id: { from: LI, to: null }, team_id: { from: null, to: 't-care' } }))).toBe(
      'Demo Admin unassigned the conversation | moved it to team Care',
    );
    expect(say(entry('conversation.updated', { labels: { from: ['a', 'b'], to: [] } }))).toBe('Demo Admin removed labels a, b');
  });

  it('no response needed, its reason and its undo', () => {
    expect(say(entry('message.no_response_needed', { reason: 'other', note: 'phoned' }))).toBe(
      'Demo Admin marked a message as needing no response: Other (phoned)',
    );
    expect(say(entry('message.no_response_undone', {}), 'zh-CN')).toBe('Demo Admin 撤销了“无需回复”：这条消息重新等待回复');
  });

  it('never shows an event code', () => {
    for (const action of ['conversation.weird', 'automation.fired', 'automation.suppressed', 'message.reply_queued', 'note.created']) {
      for (const lang of ['en', 'zh-CN']) {
        const text = say(entry(action, { rule: 'R', reason: 'why' }, { actor_type: 'automation', actor_id: null }), lang);
        expect(text).not.toMatch(/[a-z]+\.[a-z_]+/);
      }
    }
  });

  it('snoozes and wake-ups, in both languages', () => {
    const d = { ...dir, formatTime: (iso: string) => (iso === '2026-12-06T01:00:00+00:00' ? 'Dec 6, 09:00' : iso) };
    const sayWith = (e: AuditEntry, lang = 'en') => {
      const r = describeActivity(e, i18n.getFixedT(lang), d);
      return `${r.actor} ${r.changes.join(' | ')}`;
    };
    expect(sayWith(entry('conversation.snoozed', { until: '2026-12-06T01:00:00+00:00' }))).toBe('Demo Admin snoozed it until Dec 6, 09:00');
    expect(sayWith(entry('conversation.snoozed', { until: null }), 'zh-CN')).toBe('Demo Admin 将会话暂缓到买家来信');
    const system = { actor_type: 'system', actor_id: null } as const;
    expect(sayWith(entry('conversation.unsnoozed', { why: 'buyer_wrote' }, system))).toBe('System brought it back: the buyer wrote');
    expect(sayWith(entry('conversation.unsnoozed', { why: 'time' }, system), 'zh-CN')).toBe('系统 暂缓结束，会话已回到列表');
    expect(sayWith(entry('conversation.unsnoozed', { why: 'person' }))).toBe('Demo Admin brought it back from snooze');
  });
});
