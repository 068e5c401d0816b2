"""Live updates in the browser: the outbox relay publishes to Redis, each API process fans frames out to its sockets."""
