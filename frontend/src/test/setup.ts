import '@testing-library/jest-dom/vitest';
/**
 * Vitest setup: the fetch boundary. Component tests answer the SPA's HTTP calls with `mockApi`
 * (src/test/api.ts); everything above fetch — the generated client, its middleware, TanStack
 * Query, the components — is the real code. Installed before any module captures `fetch`.
 */
type Handler = (request: Request) => Promise<Response>;
const holder = globalThis as unknown as { __hourglassFetch?: Handler | null };
const realFetch = globalThis.fetch.bind(globalThis);

globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const handler = holder.__hourglassFetch;
  if (!handler) return realFetch(input, init);
  return handler(input instanceof Request ? input : new Request(input, init));
};

// jsdom's AbortSignal is not the one Node's Request accepts; TanStack Query passes jsdom's. The
// signal only cancels superseded requests, which the mocked boundary answers at once anyway.
const NodeRequest = globalThis.Request;
globalThis.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    if (init?.signal) {
      const { signal: _signal, ...rest } = init;
      super(input, rest);
    } else {
      super(input, init);
    }
  }
} as typeof Request;

// jsdom lays nothing out: every element measures 0×0, so the virtualised inbox list would show no
// row. Give elements a viewport-sized box (what a 1440×900 window gives the list) for jsdom tests.
if (typeof HTMLElement !== 'undefined') {
  for (const [name, size] of [['clientHeight', 900], ['offsetHeight', 900], ['clientWidth', 1440], ['offsetWidth', 1440]] as const) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => size });
  }
}

// Nor does jsdom scroll: the thread scrolls its newest message into view.
if (typeof Element !== 'undefined' && !Element.prototype.scrollIntoView) {
  Element.prototype.scrollIntoView = () => undefined;
}
