"""``python -m gateway``: serve the gateway with uvicorn on BATON_HOST:BATON_PORT."""

from __future__ import annotations

import uvicorn

from gateway.app import create_app
from gateway.logging import configure_logging
from gateway.settings import load_settings


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        # chat frames are a few hundred bytes: compressing each one for every console costs
        # more CPU than the bandwidth it saves
        ws_per_message_deflate=False,
        # the client's address is gateway.limits.client_address's to decide (from
        # BATON_TRUSTED_PROXIES); uvicorn's own X-Forwarded-For handling would trust 127.0.0.1
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
