"""One alert (``GET /ui/alerts/{alert_id}``) and the reviewer's actions on it (``POST /ui/alerts/{id}/{action}``:
``uphold``, ``dismiss``, ``recheck``, ``note``). Data from :mod:`pricewatch.alerts.casefile`, actions through
:mod:`pricewatch.alerts.review` (the same ``decide()`` as the JSON API)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from pricewatch.alerts import casefile
from pricewatch.alerts.review import ReviewRefused, review
from pricewatch.store.models import Alert
from pricewatch.ui import PageNotFound
from pricewatch.ui.i18n import Translator
from pricewatch.ui.render import language, render
from pricewatch.ui.session import require_csrf, require_reviewer

router = APIRouter(include_in_schema=False)
ACTIONS = ("uphold", "dismiss", "recheck", "note")
MAX_ID = 2**31 - 1


def _chart(observations, daily, case: casefile.CaseFile, marks: list[dict], t: Translator, tz: str) -> dict:  # noqa: ANN001
    """The chart's data for uPlot: x in epoch seconds; observations as points, the daily median as a line (at
    noon of its day in the display zone), baseline and threshold as levels, marks as vertical lines."""
    import pandas as pd

    points = [[float(ts.timestamp()), None if pd.isna(v) else round(float(v), 6)]
              for ts, v in zip(observations["observed_at"], observations["unit_price"])]
    medians = []
    for day, value in zip(daily["day"], daily["median"]):
        if not pd.isna(value):
            noon = (pd.Timestamp(day) + pd.Timedelta(hours=12)).tz_localize(tz)
            medians.append([float(noon.timestamp()), round(float(value), 6)])
    return {
        "tz": tz,
        "observations": points,
        "medians": medians,
        "baseline": case.alert.baseline_unit_price,
        "threshold": case.threshold_unit_price,
        "marks": [{"kind": m["kind"], "at": m["at"].timestamp(), "label": t(f"chart.mark.{m['kind']}")}
                  for m in marks],
        "labels": {"observations": t("chart.observations"), "median": t("chart.median"),
                   "baseline": t("chart.baseline"), "threshold": t("chart.threshold"),
                   "unit": f"{case.alert.currency or ''}/{t.maybe('unit', case.alert.unit)}"},
    }


def _load(db, alert_id: int, t: Translator) -> dict | None:  # noqa: ANN001
    with db.session() as s:
        case = casefile.case_file(s, alert_id)
        if case is None:
            return None
        observations, daily = casefile.price_series(db, case)
        events = casefile.timeline(s, case)
        marks = casefile.chart_marks(case, events)
        snapshots = casefile.evidence(s, case)
        s.expunge_all()
    return {"case": case, "observations": observations, "events": events, "snapshots": snapshots,
            "changed": casefile.what_changed(observations, case),
            "chart": _chart(observations, daily, case, marks, t, db.settings.timezone), "marks": marks}


@router.get("/ui/alerts/{alert_id}", response_class=HTMLResponse)
async def alert_page(request: Request, alert_id: int = Path(ge=1, le=MAX_ID),
                     _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    t = Translator(language(request))
    data = await run_in_threadpool(_load, db, alert_id, t)
    if data is None:
        raise PageNotFound(f"alert {alert_id}")
    chart_json = Markup(json.dumps(data.pop("chart"), ensure_ascii=False).replace("</", "<\\/"))
    error = request.query_params.get("error")
    return render(request, "alert.html", chart_json=chart_json, actions=ACTIONS,
                  error=error if error and t.has(error) else None, done=request.query_params.get("done"),
                  **data)


def _act(db, alert_id: int, action: str, text: str | None, actor: str) -> None:  # noqa: ANN001
    with db.session() as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise PageNotFound(f"alert {alert_id}")
        review(s, alert, action, text=text, actor=actor)
        s.commit()


@router.post("/ui/alerts/{alert_id}/{action}")
async def act(request: Request, action: str, alert_id: int = Path(ge=1, le=MAX_ID),
              form: dict = Depends(require_csrf)) -> RedirectResponse:
    if action not in ACTIONS:
        raise PageNotFound(f"action {action}")
    db = request.app.state.pricewatch_db
    actor = request.state.review_session.principal.actor
    text = (form.get("text") or [""])[0]
    try:
        await run_in_threadpool(_act, db, alert_id, action, text, actor)
    except ReviewRefused as refused:
        return RedirectResponse(f"/ui/alerts/{alert_id}?error={refused.key}#actions", status_code=303)
    return RedirectResponse(f"/ui/alerts/{alert_id}?done={action}#timeline", status_code=303)
