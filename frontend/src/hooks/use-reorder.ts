import { useMutation, useQueryClient } from '@tanstack/react-query';

/** One row's new position, as Move up / Move down in the rules table asks for it. */
export interface PositionChange {
  row: { id: string };
  position: number;
}

/**
 * Saves new positions through the kind's own PATCH route (one call per moved row), then rereads the
 * list, also after a failure, so the table never shows an order the server does not have.
 */
export function useReorder(patchPosition: (id: string, position: number) => Promise<unknown>, invalidate: readonly unknown[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: PositionChange[]) => Promise.all(changes.map((c) => patchPosition(c.row.id, c.position))),
    onSettled: () => queryClient.invalidateQueries({ queryKey: invalidate }),
  });
}
