import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { Spinner } from '@/components/feedback';
import { AppShell } from './layout/app-shell';
import { RequireSession } from './layout/require-session';
import { InboxRoute } from './routes/inbox';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';

// The inbox is what agents live in and loads first; the dashboard (with its charting library)
// and the settings pages load on first visit.
const DashboardRoute = lazy(() => import('./routes/dashboard'));
const SettingsRoute = lazy(() => import('./routes/settings'));
const KnowledgeRoute = lazy(() => import('./routes/knowledge'));

const later = (node: ReactNode) => <Suspense fallback={<Spinner />}>{node}</Suspense>;

export function createAppRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginRoute /> },
    {
      element: (
        <RequireSession>
          <AppShell />
        </RequireSession>
      ),
      children: [
        { index: true, element: <Navigate to="/inbox" replace /> },
        { path: 'inbox', element: <InboxRoute /> },
        { path: 'inbox/:conversationId', element: <InboxRoute /> },
        { path: 'dashboard', element: later(<DashboardRoute />) },
        { path: 'knowledge', element: later(<KnowledgeRoute />) },
        { path: 'settings', element: later(<SettingsRoute />) },
        { path: 'settings/:section', element: later(<SettingsRoute />) },
        { path: '*', element: <NotFoundRoute /> },
      ],
    },
  ]);
}
