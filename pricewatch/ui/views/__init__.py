"""The workspace's pages, one module per page family; each exposes ``router`` (a FastAPI APIRouter).

Add a page: write ``views/<name>.py`` with ``router = APIRouter()`` and append it to ``ROUTERS`` below (see
``/work/notes/ui-skeleton.md``).
"""

from __future__ import annotations

from pricewatch.ui.views import alert, auth, cases, evidence, platforms, queue, sellers

# cases before alert: POST /ui/alerts/{id}/case must not be taken for one of alert.py's /ui/alerts/{id}/{action}
ROUTERS = [auth.router, queue.router, cases.router, alert.router, evidence.router, sellers.router, platforms.router]

__all__ = ["ROUTERS"]
