import { useNavigate, useParams } from 'react-router';
import { InsightPage, type InsightSection } from '@/features/insight';

export default function InsightRoute() {
  const { section } = useParams();
  const navigate = useNavigate();
  const current: InsightSection = section === 'products' ? 'products' : 'csat';
  return (
    <InsightPage
      section={current}
      onSection={(s) => navigate(`/insight/${s}`)}
      onOpenConversation={(id) => navigate(`/inbox/${id}`)}
    />
  );
}
