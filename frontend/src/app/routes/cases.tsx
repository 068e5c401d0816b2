import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { CasesPage } from '@/features/cases';

/** The after-sales queue; a case opens its conversation in the inbox (where its panel lives). */
export default function CasesRoute() {
  const navigate = useNavigate();
  const open = useCallback((conversationId: string) => navigate(`/inbox/${conversationId}`), [navigate]);
  return (
    <div className="page-pad">
      <CasesPage onOpenConversation={open} />
    </div>
  );
}
