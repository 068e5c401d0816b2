import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '@/components/language-switch';
import { Logo } from '@/components/logo';
import { LoginForm, useSession } from '@/features/auth';

/** Only same-site paths: a crafted ?next= must not send the agent elsewhere after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/inbox';
}

export function LoginRoute() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  if (session) return <Navigate to={next} replace />;
  return (
    <div className="login">
      <div className="login__card">
        <div className="login__head">
          <div className="login__brand">
            <Logo size={26} />
            Hourglass
          </div>
          <LanguageSwitch />
        </div>
        <p className="login__tagline">{t('login.tagline')}</p>
        <LoginForm onSuccess={() => navigate(next, { replace: true })} />
      </div>
    </div>
  );
}
