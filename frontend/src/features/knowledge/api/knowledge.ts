import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type ArticleSummary = components['schemas']['ArticleSummary'];
export type Article = components['schemas']['ArticleRead'];
export type ArticleCreate = components['schemas']['ArticleCreate'];
export type ArticleUpdate = components['schemas']['ArticleUpdate'];
export type Variant = components['schemas']['VariantRead'];
export type Version = components['schemas']['VersionRead'];
export type HelpSite = components['schemas']['HelpSiteRead'];
export type Language = components['schemas']['VariantCreate']['language'];
export type Status = NonNullable<ArticleCreate['status']>;

/** The knowledge base list; with a query, the server's ranked search (Chinese and English alike). */
export function useArticles(filters: { q: string; status: string; language: string }) {
  return useQuery({
    queryKey: queryKeys.knowledge.list(filters),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/knowledge/articles', {
          params: {
            query: {
              q: filters.q.trim() || undefined,
              status: (filters.status || undefined) as Status | undefined,
              language: (filters.language || undefined) as Language | undefined,
              limit: 200,
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useArticle(id: string | null) {
  return useQuery({
    queryKey: queryKeys.knowledge.article(id ?? ''),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/knowledge/articles/{article_id}', { params: { path: { article_id: id ?? '' } }, signal })),
    enabled: id !== null,
  });
}

export function useVersions(id: string | null, language: Language) {
  return useQuery({
    queryKey: queryKeys.knowledge.versions(id ?? '', language),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/knowledge/articles/{article_id}/versions', { params: { path: { article_id: id ?? '' }, query: { language } }, signal })),
    enabled: id !== null,
  });
}

/** The server's sanitised HTML of the Markdown (the same renderer as the public help page). */
export function usePreview(body: string) {
  return useQuery({
    queryKey: queryKeys.knowledge.preview(body),
    queryFn: ({ signal }) => unwrap(api.POST('/v1/knowledge/render', { body: { body }, signal })),
    enabled: body.trim() !== '',
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.knowledge.all });
}

export function useCreateArticle() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: ArticleCreate) => unwrap(api.POST('/v1/knowledge/articles', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateArticle(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: ArticleUpdate) => unwrap(api.PATCH('/v1/knowledge/articles/{article_id}', { params: { path: { article_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useSaveVariant(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ language, title, body }: { language: Language; title: string; body: string }) =>
      unwrap(
        api.PUT('/v1/knowledge/articles/{article_id}/variants/{language}', {
          params: { path: { article_id: id, language } },
          body: { title, body },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useDeleteVariant(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (language: Language) =>
      unwrap(api.DELETE('/v1/knowledge/articles/{article_id}/variants/{language}', { params: { path: { article_id: id, language } } })),
    onSuccess: invalidate,
  });
}

export function useHelpSites() {
  return useQuery({
    queryKey: queryKeys.knowledge.helpSites,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/knowledge/help-sites', { signal })),
  });
}

export function useImport() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (files: { name: string; content: string }[]) => unwrap(api.POST('/v1/knowledge/import', { body: { files } })),
    onSuccess: invalidate,
  });
}

export async function exportAll() {
  return unwrap(api.GET('/v1/knowledge/export', {}));
}
