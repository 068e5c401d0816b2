from __future__ import annotations

import pytest

from tests.sync.conftest import rt, sb  # noqa: F401 - the sandbox and the sync runtime


@pytest.fixture
def files_dir(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The app's (and the pipeline's) file store in this test's own directory."""
    monkeypatch.setattr(settings, "attachments_dir", tmp_path / "attachments")
    return tmp_path / "attachments"
