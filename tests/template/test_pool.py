"""The renderer processes: a killed, hung or memory-hungry renderer is replaced and the pool goes on."""

from __future__ import annotations

import os
import signal

import pytest

from api.template.pool import RenderPool
from api.template.render import TemplateError
from tests.template.operations import OPERATIONS

HELLO = ("Hi {{ customer_name }}", {"customer_name": "Li"})


@pytest.fixture
def pool():
    p = RenderPool(size=1, timeout=1.0, operations=OPERATIONS)
    yield p
    p.close()


async def test_renders_outside_this_process(pool):
    assert (await pool.render(*HELLO)).text == "Hi Li"
    assert pool.pids() and os.getpid() not in pool.pids()
    assert await pool.check("{{ ''.__class__ }}")


async def test_survives_a_renderer_killed_between_renders(pool):
    await pool.render(*HELLO)
    [pid] = pool.pids()
    os.kill(pid, signal.SIGKILL)
    pool.workers[0].process.wait()
    assert (await pool.render(*HELLO)).text == "Hi Li"
    assert pool.pids() != [pid]


async def test_survives_a_renderer_killed_while_rendering(pool):
    await pool.render(*HELLO)
    [pid] = pool.pids()
    with pytest.raises(TemplateError, match="renderer stopped while rendering"):
        await pool.render("{# die #}Hi", {})
    assert (await pool.render(*HELLO)).text == "Hi Li"
    assert pool.pids() != [pid]


async def test_a_render_that_overruns_is_killed_and_replaced(pool):
    await pool.render(*HELLO)
    [pid] = pool.pids()
    with pytest.raises(TemplateError, match="took longer than 1 s and was stopped"):
        await pool.render("{# hang #}Hi", {})
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the overrunning process is gone, not left running beside its replacement
    assert (await pool.render(*HELLO)).text == "Hi Li"


async def test_memory_is_capped(pool):
    with pytest.raises(TemplateError, match="needed more than 256 MB"):
        await pool.render("{# allocate #}Hi", {})
    assert (await pool.render(*HELLO)).text == "Hi Li"


async def test_a_real_template_the_sandbox_deadline_cannot_interrupt_is_stopped_without_a_kill():
    # Loops over a string make no call and no arithmetic, so they never reach the sandbox's deadline
    # check; 200 nests of a million empty iterations pass every static check and would run for minutes.
    # The renderer's timer signal stops it, and the same process goes on to the next render.
    source = "{% set r = 'x' * 1000 %}" + "{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}" * 200
    pool = RenderPool(size=1, timeout=60.0, alarm=1.0)
    try:
        assert await pool.check(source) == []
        await pool.render(*HELLO)
        [pid] = pool.pids()
        with pytest.raises(TemplateError, match="took longer than 1 s and was stopped"):
            await pool.render(source, {})
        assert (await pool.render(*HELLO)).text == "Hi Li"
        assert pool.pids() == [pid]
    finally:
        pool.close()
