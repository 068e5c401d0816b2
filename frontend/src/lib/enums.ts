import type { components } from '@/api/schema';

/**
 * Runtime lists of the API's enums, for filters, pickers and translation keys. `satisfies` keeps
 * them honest (every value must exist in the schema) without breaking the build when the backend
 * adds a value: an unknown value simply shows untranslated until it is added here.
 */
type Conversation = components['schemas']['ConversationRead'];

export const VIEWS = ['all', 'unread', 'response_needed', 'customer_care', 'failed', 'spam', 'snoozed'] as const satisfies readonly (keyof components['schemas']['ViewCounts'])[];
export type View = (typeof VIEWS)[number];

export const STATUSES = ['open', 'pending', 'resolved'] as const satisfies readonly Conversation['status'][];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly Conversation['priority'][];
export const CATEGORIES = [
  'uncategorized',
  'pre_sale',
  'order_status',
  'shipping',
  'return_refund',
  'cancel',
  'damaged',
  'complaint',
  'product_question',
  'walmart_customer_care',
  'platform_notice',
  'spam_likely',
] as const satisfies readonly Conversation['category'][];
export const MARKETPLACES = ['walmart', 'amazon', 'ebay', 'shopee', 'tiktok', 'email', 'api'] as const satisfies readonly components['schemas']['ChannelRead']['marketplace'][];
/**
 * Labels the classifier adds for a risk in the buyer's words (api/automation/risk.py), most serious
 * first: the inbox list shows them on the row so a threat or a hazard is seen before it is opened.
 */
export const RISK_LABELS = [
  'bbb_complaint',
  'attorney_general_complaint',
  'risk_legal',
  'risk_safety',
  'risk_dispute',
  'risk_negative_review',
] as const;
export const SPAM_REASONS = ['spam', 'fraud', 'inappropriate'] as const satisfies readonly components['schemas']['SpamFlag']['reason'][];
export const SLA_FILTERS = ['ok', 'due_soon', 'overdue'] as const;
export const SORTS = ['last_message', 'deadline'] as const;
export const ROLES = ['agent', 'supervisor', 'admin'] as const satisfies readonly components['schemas']['UserRead']['role'][];

export function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined): T | undefined {
  return value !== null && value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}
export const NO_RESPONSE_REASONS = ['thanks_only', 'answered_elsewhere', 'duplicate', 'not_for_us', 'other'] as const satisfies readonly components['schemas']['NoResponseNeededCreate']['reason'][];
