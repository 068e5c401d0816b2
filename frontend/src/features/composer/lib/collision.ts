import type { components } from '@/api/schema';
import { ApiError } from '@/lib/problem';

type Message = components['schemas']['MessageRead'];

/** The newest message of the thread as the agent sees it: what their draft answers. Pure. */
export function newestMessageId(messages: readonly Message[]): string | null {
  return messages.length > 0 ? messages[messages.length - 1]!.id : null;
}

/** The 409 of a reply written on top of a message that is no longer the newest, or null. */
export function collisionOf(error: unknown): Message | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const newer = error.problem?.['newer_message'];
  return typeof newer === 'object' && newer !== null && 'id' in newer && 'body' in newer ? (newer as Message) : null;
}

/**
 * What arrived after the message the draft was based on and is not the agent's own: the buyer's new
 * messages and colleagues' replies, oldest first. The 409's `newer_message` is included even when
 * the thread on screen has not caught up yet. Pure.
 */
export function arrivedSince(messages: readonly Message[], basedOn: string | null, selfId: string | null | undefined, reported: Message | null): Message[] {
  const start = basedOn ? messages.findIndex((m) => m.id === basedOn) : -1;
  const later = start >= 0 ? messages.slice(start + 1) : [];
  const others = later.filter((m) => !(m.direction === 'outbound' && selfId && m.author_user_id === selfId));
  if (reported && !others.some((m) => m.id === reported.id)) others.push(reported);
  return others;
}
