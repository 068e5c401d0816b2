import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from '@/locales/en';
import { zhCN } from '@/locales/zh-CN';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

const ANON_KEY = 'hourglass.lang';
const userKey = (userId: string) => `hourglass.lang.${userId}`;

export function asLanguage(value: string | null | undefined): Language | null {
  if (!value) return null;
  if (value.toLowerCase().startsWith('zh')) return 'zh-CN';
  if (value.toLowerCase().startsWith('en')) return 'en';
  return null;
}

function stored(key: string): Language | null {
  try {
    return asLanguage(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function initialLanguage(): Language {
  const nav = typeof navigator === 'undefined' ? null : navigator.language;
  return stored(ANON_KEY) ?? asLanguage(nav) ?? 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

function apply(lang: Language): void {
  void i18n.changeLanguage(lang);
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

apply(i18n.language === 'zh-CN' ? 'zh-CN' : 'en');

let currentUserId: string | null = null;

/** After login: the agent's own earlier choice on this browser, else their profile's locale. */
export function applyUserLocale(userId: string, profileLocale: string): void {
  currentUserId = userId;
  apply(stored(userKey(userId)) ?? asLanguage(profileLocale) ?? 'en');
}

/** The header switch: remembered per user (Chinese-speaking agents share machines with others). */
export function chooseLanguage(lang: Language): void {
  try {
    localStorage.setItem(currentUserId ? userKey(currentUserId) : ANON_KEY, lang);
  } catch {
    // Storage unavailable: the choice lasts for this page only.
  }
  apply(lang);
}

export function forgetUser(): void {
  currentUserId = null;
}

export { i18n };
