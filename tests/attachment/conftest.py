from __future__ import annotations

import pytest

from tests.sync.conftest import rt, sb  # noqa: F401 - the sandbox and the sync runtime


@pytest.fixture
def files_dir(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The app's (and the pipeline's) file store in this test's own directory. The pipeline and the
    delivery read the settings the last app was created with (api.attachment.service.configure): in a
    full run another test's app may have been the last, so they are pointed at this test's settings."""
    from api.attachment import service

    monkeypatch.setattr(settings, "attachments_dir", tmp_path / "attachments")
    monkeypatch.setattr(service, "_configured", settings)
    return tmp_path / "attachments"
