"""Outbound webhooks (R12): subscriptions, Standard Webhooks signing, delivery with retries;
destinations checked by the outbound policy (api.kit.outbound)."""
