"""Render operations for test pools, run inside the renderer processes (so they must be importable
there): they misbehave on request, the way a hostile template could, and render normally otherwise."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from api.template.render import Rendered, render

GATE_ENV = "HOURGLASS_TEST_RENDER_GATE"


def misbehaving_render(source: str, values: dict[str, str | None]) -> Rendered:
    """`{# die #}` kills the renderer, `{# hang #}` never returns (nor lets a signal in),
    `{# allocate #}` asks for 1 GB, `{# gate #}` announces that it started and waits for the test to let it finish."""
    if "{# die #}" in source:
        os.kill(os.getpid(), signal.SIGKILL)
    if "{# hang #}" in source:
        # Stuck where no signal reaches, as a long C-level operation would be: only a kill ends it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            time.sleep(1)
    if "{# allocate #}" in source:
        bytearray(1 << 30)
    if "{# gate #}" in source:
        gate = Path(os.environ[GATE_ENV])
        (gate / "started").touch()
        while not (gate / "release").exists():
            time.sleep(0.01)
    return render(source, values)


OPERATIONS = {
    "render": "tests.template.operations:misbehaving_render",
    "check": "api.template.render:check",
}
