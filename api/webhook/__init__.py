"""Outbound webhooks (R12): subscriptions, Standard Webhooks signing, delivery with retries, SSRF guard."""
