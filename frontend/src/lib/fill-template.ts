/**
 * Fills a template locally for an instant preview while the server's own preview (which knows
 * tracking numbers and ETAs, and lints the result) loads, or when the server has none.
 * Understands the Jinja subset the starter templates use:
 *   {{ order_id }}   {{ customer_name or "there" }}   {{ agent_name or store_name }}
 *   {{ name | default("x") }}
 * Anything else stays visible as written and is reported as missing.
 */
export type TemplateContext = Record<string, string | null | undefined>;

const EXPRESSION = /\{\{\s*(.+?)\s*\}\}/g;
const IDENTIFIER = /^[a-zA-Z_][\w]*$/;
const LITERAL = /^(['"])(.*)\1$/;
const DEFAULT_FILTER = /^([a-zA-Z_]\w*)\s*\|\s*default\(\s*(['"])(.*)\2\s*\)$/;

function evaluate(expression: string, context: TemplateContext, missing: Set<string>): string | null {
  const filtered = DEFAULT_FILTER.exec(expression);
  const alternatives = filtered ? [filtered[1]!, JSON.stringify(filtered[3])] : expression.split(/\s+or\s+/);
  const names: string[] = [];
  for (const part of alternatives.map((p) => p.trim())) {
    const literal = LITERAL.exec(part);
    if (literal) return literal[2] ?? '';
    if (!IDENTIFIER.test(part)) return null; // not the subset we understand
    names.push(part);
    const value = context[part];
    if (value !== null && value !== undefined && value !== '') return value;
  }
  names.forEach((n) => missing.add(n));
  return null;
}

export function fillTemplate(body: string, context: TemplateContext): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = body.replace(EXPRESSION, (whole, expression: string) => evaluate(expression, context, missing) ?? whole);
  return { text, missing: [...missing] };
}
