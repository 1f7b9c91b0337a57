"""Configuration: ``pricewatch.toml`` in the working directory or at ``$PRICEWATCH_CONFIG``.

Precedence (highest first): environment variables (``PRICEWATCH_DATABASE_URL``), the config file, defaults.
Every section is optional. The file is validated when it is loaded (pydantic models below, one per section):
an unknown section or key (``[schedul]``, ``langauge``) or a value of the wrong type is a :class:`ConfigError`
naming the file, the key and what is known — a typo never silently falls back to a default. The sections stay
available as dicts in :attr:`Settings.raw`.

Example::

    [database]
    url = "sqlite:///pricewatch.db"      # any SQLAlchemy URL; postgresql+psycopg://user@host/db

    [display]
    timezone = "Asia/Shanghai"           # times are stored in UTC and shown in this zone
    language = "zh"                      # digest language: zh or en

    [storage]
    evidence_dir = "evidence"            # content-addressed page store

    [ui]
    base_url = "https://pricewatch.samr.example"   # the review workspace as regulators reach it (digest links)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pricewatch.errors import ConfigError

DEFAULT_DB_FILE = "pricewatch.db"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Database(_Section):
    url: str | None = None


class _Display(_Section):
    timezone: str = "Asia/Shanghai"
    language: str = "en"


class _Storage(_Section):
    evidence_dir: str = "evidence"


class _Webhooks(_Section):
    allow_private: list[str] = []


class _Api(_Section):
    max_body_bytes: int = Field(default=10 << 20, gt=0)


class _Service(_Section):
    lease_seconds: float | int = Field(default=30, gt=0)


class _Feeds(_Section):
    urls: list[str] = []


class _Crawl(_Section):
    contact_url: str | None = None
    concurrency: int | None = Field(default=None, gt=0)  # requests in flight per worker, all domains together
    concurrency_per_domain: int | None = Field(default=None, gt=0)
    autothrottle: bool | None = None
    http_cache: bool | None = None
    download_timeout: float | int | None = Field(default=None, gt=0)
    retry_times: int | None = Field(default=None, ge=0)
    targets: list[dict[str, Any]] = []  # spider = "…" plus that spider's own arguments


class _Cluster(_Section):
    # `pricewatch detect` runs its listing buckets on this Dask scheduler (tcp://HOST:8786) unless --cluster says
    # otherwise; partitions: how many buckets (default: about 25,000 listings each, at least two per worker)
    scheduler: str | None = Field(default=None, pattern=r"^(tcp|tls|ws|wss)://[^\s/]+$", max_length=256)
    partitions: int | None = Field(default=None, gt=0)


class _Digest(_Section):
    dir: str = "digests"


class _Mail(_Section):
    host: str | None = None
    port: int = Field(default=25, gt=0, lt=65536)
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    sender: str | None = None
    recipients: list[str] = []


class _Ui(_Section):
    # where regulators open the review workspace (``pricewatch serve``'s address as they reach it): the digest
    # links each alert to <base_url>/ui/alerts/<id>. http(s), a host, no query or fragment.
    base_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$", max_length=512)
    session_hours: float | int = Field(default=12, gt=0)  # how long a review-workspace login lasts
    secure_cookie: bool = True  # session cookie only over HTTPS (and http://localhost, which browsers trust)


class _File(_Section):
    database: _Database = _Database()
    display: _Display = _Display()
    storage: _Storage = _Storage()
    webhooks: _Webhooks = _Webhooks()
    api: _Api = _Api()
    service: _Service = _Service()
    feeds: _Feeds = _Feeds()
    crawl: _Crawl = _Crawl()
    cluster: _Cluster = _Cluster()
    digest: _Digest = _Digest()
    mail: _Mail = _Mail()
    ui: _Ui = _Ui()
    schedule: dict[str, str] = {}  # job name → spec; job names and specs are checked by the scheduler


def _known(loc: tuple) -> list[str]:
    model: type[BaseModel] | None = _File
    for part in loc[:-1]:
        field_info = model.model_fields.get(str(part)) if model else None
        annotation = field_info.annotation if field_info else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return sorted(model.model_fields) if model else []


def _validate(raw: dict[str, Any], where: str) -> None:
    """ConfigError naming every unknown key (with a suggestion) and every badly typed value."""
    import difflib

    try:
        _File.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            name = ".".join(str(p) for p in loc)
            if error["type"] == "extra_forbidden":
                known = _known(loc)
                near = difflib.get_close_matches(str(loc[-1]), known, n=1)
                section = "section" if len(loc) == 1 else f"key in [{'.'.join(str(p) for p in loc[:-1])}]"
                problems.append(f"unknown {section} {str(loc[-1])!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
                                + f"; known: {', '.join(known)}")
            else:
                problems.append(f"{name}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError(f"{where}: " + "; ".join(problems)) from None


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
        _validate(raw, str(path))
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
