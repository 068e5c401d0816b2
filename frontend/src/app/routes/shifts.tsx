import { ShiftsPage } from '@/features/shifts';
import { useMe } from '@/hooks/use-directory';

export default function ShiftsRoute() {
  const me = useMe();
  return <ShiftsPage canEdit={(me.data?.scopes ?? []).includes('settings:write')} />;
}
