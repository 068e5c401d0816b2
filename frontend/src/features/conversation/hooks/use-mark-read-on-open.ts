import { useEffect, useRef } from 'react';
import { useSetRead } from '../api/read-state';

/** Opening an unread conversation reads it, once per opening (not again when it turns unread live). */
export function useMarkReadOnOpen(id: string, unread: boolean | undefined): void {
  const { mutate: setRead } = useSetRead(id);
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (unread === undefined || done.current === id) return;
    done.current = id;
    if (unread) setRead(true);
  }, [id, unread, setRead]);
}
