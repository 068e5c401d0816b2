"""Inbound: the endpoints marketplaces push their notifications to, authenticated by the marketplace's
signature, not API keys. (Outbound webhooks, which Hourglass sends to its customers' systems, are
`api.webhook`.)"""
