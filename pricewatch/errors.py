"""Domain exceptions. Every message says what went wrong and what to do about it.

Tree::

    PricewatchError
    ├── ConfigError        the configuration file or an environment variable is wrong
    ├── FeedError          a whole feed file cannot be read (missing column, encoding, truncated gzip)
    └── NotFound           a named record (listing, alert, snapshot…) does not exist

A single bad feed row is not an exception: it is quarantined (``rejected_record``) and ingestion goes on.
"""


class PricewatchError(Exception):
    """Base class; the CLI prints the message on one line and exits non-zero."""


class ConfigError(PricewatchError):
    pass


class FeedError(PricewatchError):
    """A feed file as a whole cannot be ingested. ``path`` and ``line`` locate the problem when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)


class NotFound(PricewatchError):
    pass
