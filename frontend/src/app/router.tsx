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
const CasesRoute = lazy(() => import('./routes/cases'));
const CustomersRoute = lazy(() => import('./routes/customers'));
const KnowledgeRoute = lazy(() => import('./routes/knowledge'));
const InsightRoute = lazy(() => import('./routes/insight'));
const ReportsRoute = lazy(() => import('./routes/reports'));
const ShiftsRoute = lazy(() => import('./routes/shifts'));

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
        { path: 'cases', element: later(<CasesRoute />) },
        { path: 'dashboard', element: later(<DashboardRoute />) },
        { path: 'insight', element: later(<InsightRoute />) },
        { path: 'insight/:section', element: later(<InsightRoute />) },
        { path: 'reports', element: later(<ReportsRoute />) },
        { path: 'reports/agents/:userId', element: later(<ReportsRoute />) },
        { path: 'shifts', element: later(<ShiftsRoute />) },
        { path: 'customers', element: later(<CustomersRoute />) },
        { path: 'customers/:customerId', element: later(<CustomersRoute />) },
        { path: 'knowledge', element: later(<KnowledgeRoute />) },
        { path: 'settings', element: later(<SettingsRoute />) },
        { path: 'settings/:section', element: later(<SettingsRoute />) },
        { path: '*', element: <NotFoundRoute /> },
      ],
    },
  ]);
}
