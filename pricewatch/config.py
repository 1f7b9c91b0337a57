"""Configuration: ``pricewatch.toml`` in the working directory or at ``$PRICEWATCH_CONFIG``.

Precedence (highest first): environment variables (``PRICEWATCH_DATABASE_URL``), the config file, defaults.
Every section is optional; unknown keys are kept in :attr:`Settings.raw` so later features can read
their own sections without this module knowing them.

Example::

    [database]
    url = "sqlite:///pricewatch.db"      # any SQLAlchemy URL; postgresql+psycopg://user@host/db

    [display]
    timezone = "Asia/Shanghai"           # times are stored in UTC and shown in this zone
    language = "zh"                      # digest language: zh or en

    [storage]
    evidence_dir = "evidence"            # content-addressed page store
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pricewatch.errors import ConfigError

DEFAULT_DB_FILE = "pricewatch.db"


@dataclass
class Settings:
    """Resolved settings. Paths are absolute; the time zone is validated."""

    database_url: str
    timezone: str = "Asia/Shanghai"
    language: str = "en"
    evidence_dir: Path = field(default_factory=lambda: Path("evidence").resolve())
    config_path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def section(self, name: str) -> dict[str, Any]:
        """A config section as a dict (empty when absent)."""
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def _config_path() -> Path | None:
    env = os.environ.get("PRICEWATCH_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"PRICEWATCH_CONFIG points to {path}, which does not exist")
        return path.resolve()
    local = Path("pricewatch.toml")
    return local.resolve() if local.is_file() else None


def load_settings() -> Settings:
    """Read the configuration. Raises :class:`ConfigError` with the file and key on bad values."""
    path = _config_path()
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    base = path.parent if path else Path.cwd()

    db = raw.get("database", {})
    url = os.environ.get("PRICEWATCH_DATABASE_URL") or db.get("url")
    if not url:
        url = f"sqlite:///{(base / DEFAULT_DB_FILE)}"
    elif url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # a relative SQLite path is relative to the config file, not to wherever the command runs
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            url = f"sqlite:///{(base / rel).resolve()}"

    display = raw.get("display", {})
    tzname = display.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path or 'config'}: [display] timezone {tzname!r} is not an IANA zone") from exc
    language = display.get("language", "en")
    if language not in ("en", "zh"):
        raise ConfigError(f"{path or 'config'}: [display] language must be 'en' or 'zh', not {language!r}")

    storage = raw.get("storage", {})
    evidence_dir = Path(storage.get("evidence_dir", "evidence"))
    if not evidence_dir.is_absolute():
        evidence_dir = (base / evidence_dir).resolve()

    return Settings(
        database_url=url,
        timezone=tzname,
        language=language,
        evidence_dir=evidence_dir,
        config_path=path,
        raw=raw,
    )
