import { DashboardPage } from '@/features/dashboard';

export default function DashboardRoute() {
  return <DashboardPage />;
}
