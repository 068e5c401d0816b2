"""The timer loop's claim size: it grows while a backlog lasts and falls back once a batch is not full."""

from workers.tasks.sla_timers import BATCH, MAX_BATCH, next_batch


def test_full_batches_grow_up_to_the_cap() -> None:
    sizes = [BATCH]
    for _ in range(6):
        sizes.append(next_batch(sizes[-1], sizes[-1]))
    assert sizes[:3] == [BATCH, 2 * BATCH, 4 * BATCH]
    assert max(sizes) == MAX_BATCH
    assert sizes[-1] == MAX_BATCH


def test_a_batch_that_is_not_full_falls_back() -> None:
    assert next_batch(MAX_BATCH, MAX_BATCH - 1) == BATCH
    assert next_batch(BATCH, 0) == BATCH
