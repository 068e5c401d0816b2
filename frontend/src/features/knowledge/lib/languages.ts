import type { Language } from '../api/knowledge';

/** The languages an article can have a variant in (the API's list). */
export const ARTICLE_LANGUAGES: readonly Language[] = ['en', 'zh', 'es', 'de', 'fr', 'ja', 'ko'];

/** The categories an article can be scoped to (the classifier's). */
export const ARTICLE_CATEGORIES = [
  'pre_sale',
  'order_status',
  'shipping',
  'return_refund',
  'complaint',
  'product_question',
  'walmart_customer_care',
  'platform_notice',
] as const;

export const MARKETPLACES = ['walmart', 'amazon', 'ebay', 'shopee', 'tiktok', 'email', 'api'] as const;

/** "a, b ,, c" -> ["a", "b", "c"] without repeats. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[,，]/).map((s) => s.trim()).filter(Boolean))];
}
