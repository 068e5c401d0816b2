"""Two-way sync with the marketplaces: polling with persisted cursors, stored pushes, and
reply delivery with retries. Postgres holds every piece of state (cursors, pushes, the outbound
queue); Redis is not needed, so flushing it loses nothing. Work is shared between worker processes
with row locks (SKIP LOCKED) and advisory locks that die with their process."""
