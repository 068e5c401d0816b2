import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState } from '@/components/feedback';

export function NotFoundRoute() {
  const { t } = useTranslation();
  return (
    <div className="page-center">
      <EmptyState title={t('common.notFound')} />
      <Link to="/inbox">{t('nav.inbox')}</Link>
    </div>
  );
}
