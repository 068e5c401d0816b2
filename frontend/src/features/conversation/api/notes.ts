import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { ConversationDetail } from './get-conversation';

export type NoteCreate = components['schemas']['NoteCreate'];

export function useAddNote(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NoteCreate) =>
      unwrap(api.POST('/v1/conversations/{conversation_id}/notes', { params: { path: { conversation_id: id } }, body })),
    onSuccess: (note) => {
      queryClient.setQueryData<ConversationDetail>(queryKeys.conversations.detail(id), (d) =>
        d && !d.notes.some((n) => n.id === note.id) ? { ...d, notes: [...d.notes, note] } : d,
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
    },
  });
}
