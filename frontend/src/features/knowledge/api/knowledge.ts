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

export type TopQuestions = components['schemas']['TopQuestionsRead'];
export type TopQuestionCluster = components['schemas']['TopQuestionCluster'];
type Marketplace = components['schemas']['ChannelRead']['marketplace'];

/** The period as the server takes it: the last `days` days up to the end of the current minute (whole
 * minutes, so repeated looks share the server's cache; the end is exclusive, so this minute counts). */
export function periodOf(days: number, now: Date = new Date()): { from: string; to: string } {
  const to = new Date(now.getTime() + 60_000);
  to.setSeconds(0, 0);
  return { from: new Date(to.getTime() - days * 86_400_000).toISOString(), to: to.toISOString() };
}

/** Buyer questions of the period grouped by meaning, with counts, examples and what covers them. */
export function useTopQuestions(filters: { from: string; to: string; marketplace: string }) {
  return useQuery({
    queryKey: queryKeys.knowledge.topQuestions(filters),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/knowledge/top-questions', {
          params: { query: { from: filters.from, to: filters.to, marketplace: (filters.marketplace || undefined) as Marketplace | undefined, limit: 20 } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** One click: a draft article (kind 'article') or an inactive template from a group. */
export function useDraftFromQuestion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (v: { kind: 'article' | 'template'; key: string; from: string; to: string; marketplace: string }) => {
      const query = { from: v.from, to: v.to, marketplace: (v.marketplace || undefined) as Marketplace | undefined };
      const path = { cluster_key: v.key };
      if (v.kind === 'article') {
        const article = await unwrap(api.POST('/v1/knowledge/top-questions/{cluster_key}/draft-article', { params: { path, query } }));
        return { kind: v.kind, id: article.id };
      }
      const template = await unwrap(api.POST('/v1/knowledge/top-questions/{cluster_key}/draft-template', { params: { path, query } }));
      return { kind: v.kind, id: template.id };
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.knowledge.all }),
  });
}

/** Machine-translate the article into a draft variant for review (POST /v1/knowledge/articles/{id}/translate). */
export function useTranslateArticle(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (target: Language) =>
      unwrap(api.POST('/v1/knowledge/articles/{article_id}/translate', { params: { path: { article_id: id } }, body: { target } })),
    onSuccess: invalidate,
  });
}

/** Publish a reviewed draft variant: from then on buyers, suggestions and search see it. */
export function usePublishVariant(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (language: Language) =>
      unwrap(api.POST('/v1/knowledge/articles/{article_id}/variants/{language}/publish', { params: { path: { article_id: id, language } } })),
    onSuccess: invalidate,
  });
}
