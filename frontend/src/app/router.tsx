import { createBrowserRouter, Navigate } from 'react-router';
import { AppShell } from './layout/app-shell';
import { RequireSession } from './layout/require-session';
import { InboxRoute } from './routes/inbox';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';
import { SettingsRoute } from './routes/settings';

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
        { path: 'settings', element: <SettingsRoute /> },
        { path: '*', element: <NotFoundRoute /> },
      ],
    },
  ]);
}
