"""Alerts: the store (open/update/close per violation episode) and exports.

Calling the package — ``pw.alerts(db, status="open")`` — is :func:`pricewatch.notebook.alerts` (``pricewatch alerts
export`` as a DataFrame)."""

import sys
import types


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
        from pricewatch.notebook import alerts

        return alerts(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
