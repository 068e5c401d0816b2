/**
 * Which variables a template body uses, for the editor's warnings: "{{ ship_eta }}" is known,
 * "{{ tracking_link }}" is not (the server would refuse it on save). Reads names inside {{ … }}
 * and {% … %}, skipping string literals, filters and Jinja keywords.
 */
const KEYWORDS = new Set(['or', 'and', 'not', 'if', 'else', 'elif', 'endif', 'for', 'in', 'endfor', 'true', 'false', 'none', 'is', 'defined', 'set', 'loop', 'True', 'False', 'None']);

export function variablesUsed(body: string): string[] {
  const names = new Set<string>();
  for (const block of body.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) {
    const inner = (block[1] ?? block[2] ?? '').replace(/(['"])(?:\\.|(?!\1).)*\1/g, ' ');
    // A name right after "|" is a filter (default, upper…), not a variable.
    for (const m of inner.matchAll(/(\|\s*)?\b([A-Za-z_]\w*)\b(\s*\()?/g)) {
      if (m[1] || m[3]) continue;
      const name = m[2]!;
      if (!KEYWORDS.has(name)) names.add(name);
    }
  }
  return [...names];
}

export function unknownVariables(body: string, known: readonly string[]): string[] {
  return variablesUsed(body).filter((v) => !known.includes(v));
}

/** Inserts "{{ name }}" at the cursor (replacing a selection) and says where the cursor goes. */
export function insertVariable(body: string, start: number, end: number, name: string): { body: string; cursor: number } {
  const token = `{{ ${name} }}`;
  return { body: body.slice(0, start) + token + body.slice(end), cursor: start + token.length };
}
