/**
 * The session token lives in localStorage so a reload keeps the agent logged in; every tab shares
 * it, and logging out in one tab logs out the others (the storage event).
 */
const STORAGE_KEY = 'hourglass.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
  userId: string;
}

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'token' in parsed &&
      'expiresAt' in parsed &&
      'userId' in parsed &&
      typeof parsed.token === 'string' &&
      typeof parsed.expiresAt === 'string' &&
      typeof parsed.userId === 'string'
    ) {
      const session: StoredSession = { token: parsed.token, expiresAt: parsed.expiresAt, userId: parsed.userId };
      return Date.parse(session.expiresAt) > Date.now() ? session : null;
    }
  } catch {
    // Corrupt or unavailable storage: behave as logged out.
  }
  return null;
}

let cached: StoredSession | null = typeof localStorage === 'undefined' ? null : read();

function emit(): void {
  listeners.forEach((l) => l());
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === STORAGE_KEY) {
      cached = read();
      emit();
    }
  });
}

export function getSession(): StoredSession | null {
  return cached;
}

export function getToken(): string | null {
  return cached?.token ?? null;
}

export function setSession(session: StoredSession): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  cached = session;
  emit();
}

export function clearSession(): void {
  localStorage.removeItem(STORAGE_KEY);
  cached = null;
  emit();
}

export function subscribeSession(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
