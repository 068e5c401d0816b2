import { KnowledgePage } from '@/features/knowledge';
import { useMe } from '@/hooks/use-directory';

export default function KnowledgeRoute() {
  const me = useMe();
  return <KnowledgePage canEdit={(me.data?.scopes ?? []).includes('settings:write')} />;
}
