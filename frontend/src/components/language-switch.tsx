import { useTranslation } from 'react-i18next';
import { chooseLanguage, LANGUAGES, type Language } from '@/lib/i18n';

// Each language names itself, so an agent who cannot read the current one can still find theirs.
const NATIVE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '中文' };

export function LanguageSwitch() {
  const { i18n, t } = useTranslation();
  return (
    <div className="lang-switch" role="group" aria-label={t('header.language')}>
      {LANGUAGES.map((lang) => (
        <button
          key={lang}
          type="button"
          className={`lang-switch__btn${i18n.language === lang ? ' is-active' : ''}`}
          aria-pressed={i18n.language === lang}
          onClick={() => chooseLanguage(lang)}
        >
          {NATIVE_NAMES[lang]}
        </button>
      ))}
    </div>
  );
}
