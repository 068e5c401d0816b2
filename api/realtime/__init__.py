"""Live updates (R13): the outbox relay publishes to Redis, each API process fans frames out to its sockets."""
