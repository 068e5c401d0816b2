"""The composition root: the `hourglass` command (hourglass/cli.py) and what exists only to start
Hourglass on one machine: embedded PostgreSQL and Redis, the demo's seed data, and the channel
profiles that point connectors at the local marketplace sandbox. It may import `api`, `workers` and
`sandbox`; none of them imports it (import-linter contracts in pyproject.toml)."""
