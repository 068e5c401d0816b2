import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type CsatResults = components['schemas']['CsatResults'];
export type CsatSurvey = components['schemas']['CsatSurveyRead'];
export type ProductIssueReport = components['schemas']['ProductIssueReport'];
export type ProductIssueExample = components['schemas']['ProductIssueExample'];
export type CsatGroupBy = 'agent' | 'marketplace' | 'category';
export type IssueReason = 'damaged' | 'wrong_item' | 'missing_part' | 'late' | 'not_as_described' | 'sizing';

export interface Range {
  from: string;
  to: string;
}

export function useCsatResults(groupBy: CsatGroupBy, range: Range) {
  return useQuery({
    queryKey: ['insight', 'csat', groupBy, range],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/csat/results', { params: { query: { group_by: groupBy, from: range.from, to: range.to } }, signal })),
    placeholderData: (previous) => previous,
  });
}

export function useCsatResponses(range: Range) {
  return useQuery({
    queryKey: ['insight', 'csat-responses', range],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/csat/responses', { params: { query: { from: range.from, to: range.to, limit: 20 } }, signal })),
  });
}

/** The CSAT decisions of one conversation; refetched when its status changes (a resolution decides). */
export function useConversationCsat(conversationId: string, status: string) {
  return useQuery({
    queryKey: ['insight', 'csat-conversation', conversationId, status],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/csat/conversations/{conversation_id}', { params: { path: { conversation_id: conversationId } }, signal })),
    refetchInterval: 30_000,
  });
}

export function useProductIssues(range: Range, reason: IssueReason | null) {
  return useQuery({
    queryKey: ['insight', 'product-issues', range, reason],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/product-issues', {
          params: { query: { from: range.from, to: range.to, ...(reason ? { reason } : {}) } },
          signal,
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

export function useProductIssueExamples(sku: string | null, reason: IssueReason | null, range: Range) {
  return useQuery({
    queryKey: ['insight', 'product-issue-examples', sku, reason, range],
    enabled: sku !== null,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/product-issues/examples', {
          params: { query: { sku: sku ?? '', from: range.from, to: range.to, limit: 20, ...(reason ? { reason } : {}) } },
          signal,
        }),
      ),
  });
}
