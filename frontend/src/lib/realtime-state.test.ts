import { afterEach, describe, expect, it } from 'vitest';
import { applyTyping, liveTypists, typing, typingDue, TYPING_THROTTLE_MS } from './realtime-state';

afterEach(() => typing.set(new Map()));

const carlos = { userId: 'u-carlos', name: 'Carlos Ruiz' };
const li = { userId: 'u-li', name: 'Li Na' };

describe('typing state', () => {
  it('adds, refreshes and removes typists per conversation, dropping expired ones', () => {
    applyTyping('c1', carlos, 'typing', 6, 1_000);
    applyTyping('c1', li, 'typing', 6, 2_000);
    applyTyping('c1', carlos, 'typing', 6, 3_000); // a refresh, not a second entry
    expect(typing.get().get('c1')?.map((t) => [t.userId, t.expiresAt])).toEqual([
      ['u-li', 8_000],
      ['u-carlos', 9_000],
    ]);
    applyTyping('c1', li, 'stopped', 0, 4_000);
    expect(typing.get().get('c1')?.map((t) => t.userId)).toEqual(['u-carlos']);
    // Carlos's entry has expired by the time the next frame arrives: it goes too.
    applyTyping('c1', li, 'typing', 6, 10_000);
    expect(typing.get().get('c1')?.map((t) => t.userId)).toEqual(['u-li']);
    applyTyping('c1', li, 'stopped', 0, 10_500);
    expect(typing.get().has('c1')).toBe(false);
  });

  it('lists the others typing now, never oneself, by name', () => {
    const list = [
      { ...li, expiresAt: 5_000 },
      { ...carlos, expiresAt: 9_000 },
      { userId: 'me', name: 'Me', expiresAt: 9_000 },
    ];
    expect(liveTypists(list, 4_000, 'me').map((t) => t.name)).toEqual(['Carlos Ruiz', 'Li Na']);
    expect(liveTypists(list, 5_000, 'me').map((t) => t.name)).toEqual(['Carlos Ruiz']);
  });

  it('throttles typing frames to the server’s window', () => {
    expect(typingDue(null, 0)).toBe(true);
    expect(typingDue(1_000, 1_000 + TYPING_THROTTLE_MS - 1)).toBe(false);
    expect(typingDue(1_000, 1_000 + TYPING_THROTTLE_MS)).toBe(true);
  });
});
