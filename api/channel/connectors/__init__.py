"""Marketplace connectors: one module per marketplace behind one interface (`base.Connector`).

A connector talks to one store account. It never touches the database: it turns the marketplace's
API (or mail relay) into `InboundMessage`s and sends replies, raising typed errors (`RateLimited`,
`Transient`, `Permanent`) so the sync services decide between retrying and failing. Base URLs and
mail hosts are channel settings, so the same code talks to the real marketplace or to the sandbox.
"""
