import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { useChannelNames, useRefreshChannelsFor, useUserNames } from '@/hooks/use-directory';
import type { ConversationFilters } from '@/lib/query-keys';
import { serverClock } from '@/lib/server-clock';
import { useConversations } from '../api/get-conversations';
import { useListKeyboard } from '../hooks/use-list-keyboard';
import { ConversationRow } from './conversation-row';

const ROW_HEIGHT = 78;
// Start loading the next page this many rows before the end, so scrolling never hits a wall.
const PREFETCH_ROWS = 30;

interface ConversationListProps {
  filters: ConversationFilters;
  selectedId: string | null;
  onOpen: (id: string) => void;
  /** Checked rows (bulk actions); the list adds a "select all loaded" box above the rows. */
  checked: ReadonlySet<string>;
  onCheckedChange: (next: ReadonlySet<string>) => void;
}

export function ConversationList({ filters, selectedId, onOpen, checked, onCheckedChange }: ConversationListProps) {
  const { t } = useTranslation();
  const query = useConversations(filters);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const userNames = useUserNames();
  const channelNames = useChannelNames();
  const channelIds = useMemo(() => [...new Set(rows.map((r) => r.channel_id))], [rows]);
  useRefreshChannelsFor(channelIds);
  const scrollRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (index) => rows[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - PREFETCH_ROWS) void fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // The keyboard cursor follows the open conversation and stays on its row while new rows arrive
  // above it; before the first j/k (and with nothing open) there is none, so j lands on the top row.
  const [cursorId, setCursorId] = useState<string | null>(selectedId);
  useEffect(() => {
    if (selectedId) setCursorId(selectedId);
  }, [selectedId]);
  const cursor = rows.findIndex((r) => r.id === cursorId);

  const moveCursor = useCallback(
    (index: number) => {
      const row = rows[index];
      if (!row) return;
      setCursorId(row.id);
      virtualizer.scrollToIndex(index, { align: 'auto' });
    },
    [rows, virtualizer],
  );
  const openAt = useCallback((index: number) => rows[index] && onOpen(rows[index].id), [rows, onOpen]);
  const toggle = useCallback(
    (id: string) => {
      const next = new Set(checked);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      onCheckedChange(next);
    },
    [checked, onCheckedChange],
  );
  const allLoadedChecked = rows.length > 0 && rows.every((r) => checked.has(r.id));
  useListKeyboard({ count: rows.length, cursor, setCursor: moveCursor, onOpen: openAt });

  if (query.isPending) return <Spinner />;
  if (query.isError && rows.length === 0) return <ErrorNotice error={query.error} />;
  if (rows.length === 0) {
    return <EmptyState title={t('inbox.empty')} hint={filters.q ? t('inbox.emptySearchHint') : t('inbox.emptyHint')} />;
  }

  // Minute precision is enough for "14:05" / "Nov 21" and lets memoised rows skip re-rendering.
  const nowMs = Math.floor(serverClock.now() / 60_000) * 60_000;
  return (
    <>
    <label className="list__select-all">
      <input
        type="checkbox"
        checked={allLoadedChecked}
        data-testid="select-all-loaded"
        onChange={() => onCheckedChange(allLoadedChecked ? new Set() : new Set(rows.map((r) => r.id)))}
      />
      {t('bulk.selectLoaded', { count: rows.length })}
    </label>
    <div className="list" ref={scrollRef} role="list" aria-label={t('inbox.listLabel')} data-testid="conversation-list">
      <div className="list__inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const c = rows[item.index];
          if (!c) return null;
          return (
            <div
              key={item.key}
              className="list__item"
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
            >
              <ConversationRow
                conversation={c}
                assigneeName={c.assignee_id ? (userNames.get(c.assignee_id) ?? null) : null}
                storeName={channelNames.get(c.channel_id) ?? null}
                selected={c.id === selectedId}
                focused={item.index === cursor}
                nowMs={nowMs}
                onOpen={onOpen}
                checked={checked.has(c.id)}
                onToggle={toggle}
              />
            </div>
          );
        })}
      </div>
      {isFetchingNextPage ? <div className="list__more">{t('common.loading')}</div> : null}
    </div>
    </>
  );
}
