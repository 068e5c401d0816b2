#!/usr/bin/env node
/**
 * Fills a running demo with realistic buyer traffic through the public REST API, e.g. to see a busy
 * inbox or to check the list stays smooth with 10,000 conversations:
 *
 *   node scripts/seed-demo.mjs --url http://127.0.0.1:8000 --key hg_... --count 200
 *
 * Needs the API key `hourglass demo` prints (all scopes). Creates one store per marketplace.
 */
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const base = args.url ?? 'http://127.0.0.1:8000';
let key = args.key ?? process.env.HOURGLASS_API_KEY;
const count = Number(args.count ?? 60);
const concurrency = Number(args.concurrency ?? 8);
if (!key) {
  console.error('usage: seed-demo.mjs --key hg_... [--url http://127.0.0.1:8000] [--count 60]');
  process.exit(2);
}

async function call(method, path, body) {
  for (;;) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 429) {
      // Per-key rate limit: wait as told, then try again.
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('Retry-After') ?? 1)));
      continue;
    }
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }
}

// Big runs get their own key with a high rate limit (the demo key allows 1,200 requests a minute).
if (count > 1000) {
  try {
    const created = await call('POST', '/v1/api-keys', {
      name: `seed ${new Date().toISOString()}`,
      scopes: ['channels:read', 'channels:write', 'messages:write'],
      rate_limit_per_minute: 100000,
    });
    key = created.key;
  } catch (error) {
    console.warn(`keeping the given key (${error.message})`);
  }
}

const STORES = [
  ['walmart', 'Walmart US – HomeGoods'],
  ['amazon', 'Amazon US – Gadgets'],
  ['ebay', 'eBay – Outlet'],
  ['shopee', 'Shopee SG'],
  ['tiktok', 'TikTok Shop US'],
];
const BUYERS = ['Alisa Moreno', 'Jordan Lee', 'Priya Shah', 'Tom Becker', 'Maria Garcia', 'Kenji Sato', 'Olivia Brown', 'Ahmed Khan', '王小明', 'Chen Jing'];
const QUESTIONS = [
  ['Where is my order?', 'Hi, I ordered last week and the tracking has not moved for 4 days. Can you check?', true],
  ['Return request', 'The blender arrived with a cracked jar. I would like to return it for a refund.', true],
  ['Does it fit a 2019 Civic?', 'Hello, will these floor mats fit a 2019 Honda Civic sedan?', false],
  ['Wrong colour received', 'I ordered navy blue but received black. Please advise.', true],
  ['Bulk discount?', 'Do you offer a discount if I buy 20 units for my office?', false],
  ['什么时候发货', '请问这个订单什么时候发货？我周五之前需要。', true],
  ['Cancel my order', 'Please cancel my order, I bought the wrong size.', true],
  ['Is this compatible with iPhone 15?', 'Will the case fit the iPhone 15 Pro Max?', false],
];

const stores = [];
const existing = (await call('GET', '/v1/channels')).items;
for (const [marketplace, name] of STORES) {
  const found = existing.find((c) => c.name === name);
  stores.push(found ?? (await call('POST', '/v1/channels', { marketplace, name })));
}
const erp = existing.find((c) => c.marketplace === 'api');
if (erp) stores.push(erp);

const run = Date.now().toString(36);
let done = 0;
async function push(i) {
  const store = stores[i % stores.length];
  const [subject, body, hasOrder] = QUESTIONS[i % QUESTIONS.length];
  const buyer = BUYERS[(i * 7) % BUYERS.length];
  // Spread over the last 30 hours so the inbox shows green, amber and red clocks.
  const sentAt = new Date(Date.now() - ((i * 7919) % (30 * 60)) * 60_000);
  await call('POST', `/v1/channels/${store.id}/messages`, {
    external_message_id: `seed-${run}-${i}`,
    external_thread_id: `seed-${run}-${i}`,
    order_id: hasOrder ? `${100 + (i % 900)}-${String(1000000 + i).slice(-7)}-${String(7000000 + i * 13).slice(-7)}` : null,
    buyer: { external_id: `seed-${buyer}`, name: buyer },
    subject,
    body,
    sent_at: sentAt.toISOString(),
  });
  done += 1;
  if (done % 500 === 0) console.log(`${done}/${count}`);
}

const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) await push(next++);
  }),
);
console.log(`pushed ${done} conversations into ${stores.length} stores in ${((Date.now() - started) / 1000).toFixed(1)}s`);
