"""Bearer-key dependencies for the API's routers (the same rules as ``pricewatch.api.app``'s own routes).

``Authorization: Bearer pw_…``; a missing or revoked key is 401, a role that may not do something is 403, an
``admin`` key may do everything. Routers outside app.py (reports, reconciliation, warnings, feed validation) build
their dependencies here so that every route checks keys the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request

from pricewatch.keys import Principal, authenticate
from pricewatch.store.engine import Database


def principal_of(db: Database) -> Callable[[Request], Principal]:
    def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "missing bearer API key (Authorization: Bearer pw_…)")
        found = authenticate(db, token.strip())
        if found is None:
            raise HTTPException(401, "invalid or revoked API key")
        return found
    return principal


def requirer(db: Database) -> Callable[..., Callable[..., Principal]]:
    """``require = requirer(db); Depends(require("regulator"))`` — admin always passes."""
    principal = principal_of(db)

    def require(*roles: str) -> Callable[..., Principal]:
        def check(p: Principal = Depends(principal)) -> Principal:
            if p.role not in roles and p.role != "admin":
                raise HTTPException(403, f"role {p.role} may not do this (needs {' or '.join(roles)})")
            return p
        return check
    return require
