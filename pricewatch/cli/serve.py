"""``pricewatch serve``."""

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs).

    Bearer API keys from `pricewatch keys create`. Platforms: GET /v1/violations, POST /v1/violations/{id}/response,
    POST /v1/observations. Analysts: GET /v1/prices, /v1/index, /v1/listings/{platform}/{listing_id}/prices.
    """
    import uvicorn

    from pricewatch.api import create_app
    from pricewatch.config import load_settings
    from pricewatch.store import open_database

    app = create_app(open_database(load_settings()))
    # access logs show paths only; the Authorization header (the API key) is never logged
    uvicorn.run(app, host=host, port=port, log_level="info")
