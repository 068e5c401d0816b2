import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '@/features/auth';
import { useMe } from '@/hooks/use-directory';
import { applyUserLocale } from '@/lib/i18n';

/** Logged-out visitors go to /login and come back to where they were headed afterwards. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <LocaleFromProfile>{children}</LocaleFromProfile>;
}

/** After a reload the language follows the agent's profile (or their own earlier choice). */
function LocaleFromProfile({ children }: { children: ReactNode }) {
  const me = useMe();
  const user = me.data?.user;
  useEffect(() => {
    if (user) applyUserLocale(user.id, user.locale);
  }, [user]);
  return <>{children}</>;
}
