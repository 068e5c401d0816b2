import { useDebouncedValue } from '@/hooks/use-debounced-value';
import type { Violation } from '@/lib/problem';
import { useComplianceCheck } from '../api/check-compliance';

const LINT_DEBOUNCE_MS = 350;

export interface LintState {
  violations: Violation[];
  /** the text the violations' offsets refer to */
  checkedText: string;
  blocking: boolean;
  /** the verdict is for the draft exactly as it is now (so highlights line up) */
  current: boolean;
  checking: boolean;
  unavailable: boolean;
}

/** Lints the draft while the agent types (debounced), so problems show before Send, not after. */
export function useComplianceLint(conversationId: string, text: string): LintState {
  const debounced = useDebouncedValue(text, LINT_DEBOUNCE_MS);
  const check = useComplianceCheck(conversationId, debounced);
  const empty = text.trim().length === 0;
  const data = empty ? undefined : check.data;
  return {
    violations: data?.violations ?? [],
    checkedText: data?.text ?? text,
    blocking: data?.blocking ?? false,
    current: data !== undefined && data.text === text,
    checking: !empty && (debounced !== text || check.isFetching),
    unavailable: check.isError,
  };
}
