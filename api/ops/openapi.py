"""Write the OpenAPI 3.1 document to openapi/openapi.json (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from api.config import Settings
from api.main import create_app

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def build_spec() -> dict[str, Any]:
    # Building the schema needs no database: the lifespan is never entered.
    return create_app(Settings(database_url="postgresql+asyncpg://unused/unused", redis_url="redis://unused")).openapi()


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(render(build_spec()), encoding="utf-8")
    print(f"wrote {SPEC_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
