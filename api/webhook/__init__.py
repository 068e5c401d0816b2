"""Outbound webhooks, Hourglass calling its customers' systems (inbound marketplace pushes are
api.marketplace_push): subscriptions, Standard Webhooks signing, delivery with retries;
destinations checked by the outbound policy (api.kit.outbound)."""
