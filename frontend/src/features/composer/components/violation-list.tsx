import { useTranslation } from 'react-i18next';
import type { Violation } from '@/lib/problem';
import { excerpt } from '@/lib/text-ranges';

const KNOWN_CODES = [
  'external_link',
  'carrier_link',
  'email_address',
  'phone_number',
  'html_markup',
  'promotional_language',
  'review_manipulation',
  'not_english',
  'mixed_language',
  'too_long',
  'empty_message',
];

/** Itemised, translated reasons; the server's own wording stays available as a tooltip. */
export function ViolationList({ violations, text }: { violations: readonly Violation[]; text: string }) {
  const { t } = useTranslation();
  if (violations.length === 0) return null;
  return (
    <ul className="violations" data-testid="compliance-violations">
      {violations.map((v, i) => {
        const snippet = excerpt(text, v.start, v.end);
        const marketplace = t(`marketplace.${v.marketplace}`, { defaultValue: v.marketplace });
        const message = KNOWN_CODES.includes(v.code)
          ? t(`compliance.code.${v.code}`, { excerpt: snippet, marketplace })
          : v.message;
        return (
          <li
            key={`${v.code}-${v.start}-${i}`}
            className={`violation violation--${v.severity}`}
            data-testid="compliance-violation"
            data-code={v.code}
            data-severity={v.severity}
            title={v.message}
          >
            <span className="violation__badge">{t(`compliance.severity.${v.severity}`)}</span>
            <span>{message}</span>
          </li>
        );
      })}
    </ul>
  );
}
