"""The transactional outbox, in one place: services `emit` events into `outbox_events` in the transaction
of the change that caused them (events.py); the relay publishes committed rows, one batch per call
(relay.py), to the WebSocket fan-out, to webhook deliveries and to follow-up jobs; repository.py holds
the SQL of both. The loop that calls the relay runs in the workers (workers/tasks/outbox.py)."""
