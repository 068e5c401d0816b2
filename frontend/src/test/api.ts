/**
 * A fake Hourglass API at the fetch boundary, for component tests: routes like
 * `'GET /v1/conversations/:id'` answer JSON (or a problem document with a status); every request
 * is recorded so tests can assert what the component sent. An unrouted call fails the test loudly.
 */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export type Reply = object | string | number | boolean | null;
type RouteFn = (request: Recorded, params: Record<string, string>) => Reply | Promise<Reply>;

export const problem = (status: number, detail: string, extra: Record<string, unknown> = {}) => ({
  status,
  json: { type: `https://hourglass.example/problems/${status}`, title: 'Error', status, detail, ...extra },
});

const isReply = (r: unknown): r is { status?: number; json?: unknown } =>
  typeof r === 'object' && r !== null && 'status' in r && typeof (r as { status: unknown }).status === 'number';

/** JSON bodies as values; a raw upload (a file's bytes) as its text. */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function mockApi(routes: Record<string, RouteFn | Reply>) {
  const calls: Recorded[] = [];
  const unrouted: string[] = [];
  const table = Object.entries(routes).map(([key, answer]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const names: string[] = [];
    const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`);
    return { method, regex, names, answer };
  });
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const recorded: Recorded = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: text ? parseBody(text) : undefined,
    };
    calls.push(recorded);
    for (const route of table) {
      const match = route.method === request.method ? route.regex.exec(url.pathname) : null;
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, match[i + 1] ?? '']));
      const answer = typeof route.answer === 'function' ? await (route.answer as RouteFn)(recorded, params) : route.answer;
      const reply = isReply(answer) ? answer : { status: 200, json: answer };
      const status = reply.status ?? 200;
      const problemish = status >= 400;
      return new Response(status === 204 ? null : JSON.stringify(reply.json ?? null), {
        status,
        headers: { 'Content-Type': problemish ? 'application/problem+json' : 'application/json' },
      });
    }
    unrouted.push(`${request.method} ${url.pathname}`);
    return new Response(JSON.stringify({ status: 501, title: 'unrouted in test', detail: `${request.method} ${url.pathname}` }), {
      status: 501,
      headers: { 'Content-Type': 'application/problem+json' },
    });
  };
  (globalThis as unknown as { __hourglassFetch?: unknown }).__hourglassFetch = handler;
  return {
    calls,
    unrouted,
    /** The recorded calls to one method and path. */
    to: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}

export function resetApi(): void {
  (globalThis as unknown as { __hourglassFetch?: unknown }).__hourglassFetch = null;
}
