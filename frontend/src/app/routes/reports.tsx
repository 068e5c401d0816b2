import { useParams } from 'react-router';
import { AgentPage, ReportsPage } from '@/features/reports';

export default function ReportsRoute() {
  const { userId } = useParams();
  return userId ? <AgentPage userId={userId} /> : <ReportsPage />;
}
