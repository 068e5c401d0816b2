import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type TranslationSettings = components['schemas']['SettingsRead'];
export type TranslationSettingsUpdate = components['schemas']['SettingsUpdate'];
export type GlossaryTerm = components['schemas']['GlossaryTermRead'];

const SETTINGS = ['translation', 'settings'] as const;
const GLOSSARY = ['translation', 'glossary'] as const;

export function useTranslationSettings() {
  return useQuery({ queryKey: SETTINGS, queryFn: ({ signal }) => unwrap(api.GET('/v1/translation/settings', { signal })) });
}

export function useSaveTranslationSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TranslationSettingsUpdate) => unwrap(api.PUT('/v1/translation/settings', { body })),
    onSuccess: (saved) => queryClient.setQueryData(SETTINGS, saved),
  });
}

export function useGlossary() {
  return useQuery({ queryKey: GLOSSARY, queryFn: ({ signal }) => unwrap(api.GET('/v1/translation/glossary', { signal })) });
}

export function useAddGlossaryTerm() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { term: string; translation: string | null }) => unwrap(api.POST('/v1/translation/glossary', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: GLOSSARY }),
  });
}

export function useRemoveGlossaryTerm() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/translation/glossary/{term_id}', { params: { path: { term_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: GLOSSARY }),
  });
}
