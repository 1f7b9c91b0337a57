"""The workspace's pages, one module per page family; each exposes ``router`` (a FastAPI APIRouter).

Add a page: write ``views/<name>.py`` with ``router = APIRouter()`` and append it to ``ROUTERS`` below (see
``/work/notes/ui-skeleton.md``).
"""

from __future__ import annotations

from pricewatch.ui.views import alert, auth, evidence, queue

ROUTERS = [auth.router, queue.router, alert.router, evidence.router]

__all__ = ["ROUTERS"]
