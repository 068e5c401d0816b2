import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '@/locales/en';
import { zhCN } from '@/locales/zh-CN';
import { describeNotice, noticeFromFrame } from './notifications';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en', interpolation: { escapeValue: false } });
});

const frame = {
  notification_id: 'n1',
  user_id: 'u1',
  kind: 'sla.overdue',
  title: 'Overdue: 111-3958185-1645065',
  body: 'The marketplace first response deadline passed without a reply.',
  conversation_id: 'c1',
  sla: { clock_kind: 'marketplace_first_response', due_at: '2026-11-23T12:00:00.123456+00:00' },
};

describe('notifications in the agent’s language', () => {
  it('reads a notification frame', () => {
    expect(noticeFromFrame(frame)).toMatchObject({ id: 'n1', kind: 'sla.overdue', userId: 'u1', conversationId: 'c1' });
  });

  it('words the server’s English from the kind and data, keeping the reference', () => {
    const n = noticeFromFrame(frame);
    expect(describeNotice(n, i18n.getFixedT('en'), 'en')).toEqual({
      title: 'Overdue',
      reference: '111-3958185-1645065',
      detail: 'Marketplace · first reply: the deadline passed without a reply.',
      tone: 'danger',
    });
    expect(describeNotice(n, i18n.getFixedT('zh-CN'), 'zh-CN')).toMatchObject({ title: '已超时', detail: '平台时限 · 首次回复：已过截止时间仍未回复。' });
  });

  it('tells "escalated to you" from "escalated away", and keeps a refusal reason and a reminder note', () => {
    const t = i18n.getFixedT('en');
    expect(describeNotice({ kind: 'sla.escalated', title: 'Escalated to a supervisor: 42', body: 'Wang Fang now owns this conversation.', data: {} }, t, 'en')).toMatchObject({
      title: 'Escalated to a supervisor',
      detail: 'Wang Fang now owns this conversation.',
    });
    expect(describeNotice({ kind: 'sla.escalated', title: 'Escalated to you: 42', body: '', data: {} }, t, 'en').title).toBe('Escalated to you');
    expect(describeNotice({ kind: 'delivery.failed', title: 'Reply not delivered: 42', body: 'The marketplace refused the reply: thread closed', data: {} }, t, 'en').detail).toBe(
      'The marketplace refused the reply: thread closed',
    );
    expect(describeNotice({ kind: 'reminder', title: 'Follow up: 42', body: 'check the refund', data: {} }, t, 'en')).toMatchObject({ title: 'Follow up', detail: 'check the refund', tone: 'info' });
    expect(describeNotice({ kind: 'something.new', title: 'Hello', body: 'World', data: {} }, t, 'en')).toMatchObject({ title: 'Hello', detail: 'World' });
  });

  it('words case clock alerts in Chinese (a return not handled in time)', () => {
    const n = noticeFromFrame({
      notification_id: 'n2',
      user_id: 'u2',
      kind: 'case.overdue',
      title: 'Case not handled: 7001',
      body: 'The return case 7001 (walmart) has waited past its handling target without a decision.',
      conversation_id: 'c1',
      case_id: 'k1',
      sla: { kind: 'return', action: 'handling_overdue', due_at: '2026-12-04T15:00:00+00:00' },
    });
    expect(describeNotice(n, i18n.getFixedT('zh-CN'), 'zh-CN')).toEqual({
      title: '售后工单超时未处理',
      reference: '7001',
      detail: '退货：超过处理时限，已提醒主管。',
      tone: 'danger',
    });
  });

  it('words assignments (person, rule, routing), mentions and overflow in both languages', () => {
    const en = i18n.getFixedT('en');
    const zh = i18n.getFixedT('zh-CN');
    const assigned = (by: string, name: string) =>
      noticeFromFrame({ notification_id: 'a', user_id: 'u1', kind: 'assigned', title: 'Assigned to you: 950-1', body: '', conversation_id: 'c1', by, by_name: name, reference: '950-1' });
    expect(describeNotice(assigned('person', 'Wang Fang'), en, 'en')).toMatchObject({ title: 'Assigned to you', reference: '950-1', detail: 'Assigned by Wang Fang.' });
    expect(describeNotice(assigned('rule', 'Damaged'), zh, 'zh-CN')).toMatchObject({ title: '已分配给你', detail: '由规则“Damaged”分配。' });
    expect(describeNotice(assigned('routing', 'Frontline'), en, 'en').detail).toBe('Assigned by routing (Frontline).');
    const mention = noticeFromFrame({ notification_id: 'm', user_id: 'u1', kind: 'mention', title: 'Li Na mentioned you: 950-1', body: '@Carlos can you check?', conversation_id: 'c1', author: 'Li Na', reference: '950-1' });
    expect(describeNotice(mention, zh, 'zh-CN')).toMatchObject({ title: 'Li Na 提到了你', reference: '950-1', detail: '@Carlos can you check?' });
    const overflow = { kind: 'overflow', title: 'Overflow', body: '', data: { backlog: 30, threshold: 20, available_agents: 3 } };
    expect(describeNotice(overflow, en, 'en')).toMatchObject({
      title: 'Overflow: unassigned work is piling up',
      detail: '30 unassigned conversations wait in Response Needed (alert above 20). All 3 available agents are at capacity.',
      tone: 'warn',
    });
  });
});
