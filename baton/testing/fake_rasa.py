"""A local stand-in for a Rasa server's REST channel and tracker API, for gateway tests and
the benchmarks.

The real Rasa server runs in tests/scenarios; this one answers instantly and predictably,
so the gateway's own behaviour (storage, routing, errors) can be tested in isolation.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_fake_rasa(token: str | None = None) -> FastAPI:
    """With ``token``, its HTTP API answers only calls that bring it (``?token=``), as
    ``rasa run --auth-token`` does; the REST channel's webhook stays open, as in Rasa."""
    app = FastAPI()
    app.state.refused = 0  # calls without the token

    if token is not None:

        @app.middleware("http")
        async def requires_token(request: Request, call_next: Any) -> Any:
            if not request.url.path.startswith("/webhooks/") and (
                request.query_params.get("token") != token
            ):
                app.state.refused += 1
                return JSONResponse({"message": "User is not authenticated."}, status_code=401)
            return await call_next(request)

    app.state.latest = {}
    app.state.received = []
    app.state.parsed = []  # texts sent to /model/parse (NLU only, no conversation)
    app.state.slots = {}  # sender -> the slots set through the tracker API

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"model_file": "fake.tar.gz"}

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, Any]]:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        app.state.received.append((sender, text))
        if "terrible" in text or "furious" in text:
            intent, replies = (
                "complaint",
                [{"recipient_id": sender, "text": "I'm sorry to hear that."}],
            )
        elif text.startswith("?"):
            intent, replies = (
                "nlu_fallback",
                [{"recipient_id": sender, "text": "Sorry, I didn't get that."}],
            )
        elif text in ("hi", "/greet"):
            intent, replies = (
                "greet",
                [
                    {
                        "recipient_id": sender,
                        "text": "Hi! How can I help?",
                        "buttons": [{"title": "Track my order", "payload": "/order_status"}],
                    }
                ],
            )
        elif "human" in text:
            known = {"name": "Maria Lopez", "email": "maria@example.com"} if "maria" in text else {}
            handoff = {"reason": "customer_request", "identity": known}
            intent, replies = (
                "request_human",
                [
                    {"recipient_id": sender, "text": "Connecting you to a person."},
                    {"recipient_id": sender, "custom": {"handoff": handoff}},
                ],
            )
        elif "policy" in text:  # a knowledge answer: text, then its article as Rasa sends it
            intent, replies = (
                "refunds",
                [
                    {"recipient_id": sender, "text": "Refunds reach your card within 5 days."},
                    {
                        "recipient_id": sender,
                        "custom": {"article": {"id": "kb-7", "title": "Refunds"}},
                    },
                ],
            )
        elif "does not help" in text:
            intent, replies = "deny", [{"recipient_id": sender, "text": "Sorry about that."}]
        else:
            intent, replies = "echo", [{"recipient_id": sender, "text": f"You said: {text}"}]
        app.state.latest[sender] = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.3 if intent == "nlu_fallback" else 0.91},
            "entities": [
                {
                    "entity": "order_number",
                    "value": "12345",
                    "start": 0,
                    "end": 5,
                    "extractor": "fake",
                }
            ]
            if "12345" in text
            else [],
        }
        return replies

    @app.post("/model/parse")
    async def parse(request: Request) -> dict[str, Any]:
        text = (await request.json())["text"]
        app.state.parsed.append(text)
        intent = "order_status" if "order" in text else "nlu_fallback"
        return {"text": text, "intent": {"name": intent, "confidence": 0.88}, "entities": []}

    @app.post("/conversations/{sender}/trigger_intent")
    async def trigger_intent(sender: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        app.state.received.append((sender, f"trigger:{body['name']}"))
        reason = (body.get("entities") or {}).get("handoff_reason", "unspecified")
        return {
            "tracker": {"sender_id": sender},
            "messages": [
                {"recipient_id": sender, "text": "Let me get you someone from the team."},
                {"recipient_id": sender, "custom": {"handoff": {"reason": reason}}},
            ],
        }

    @app.post("/conversations/{sender}/tracker/events")
    async def append_events(sender: str, request: Request) -> dict[str, Any]:
        for event in await request.json():
            if event["event"] == "slot":  # Baton setting the language slot, say
                app.state.slots.setdefault(sender, {})[event["name"]] = event.get("value")
            else:
                app.state.received.append((sender, f"event:{event['event']}"))
        return {"sender_id": sender}

    @app.get("/conversations/{sender}/tracker")
    async def tracker(sender: str) -> dict[str, Any]:
        return {
            "sender_id": sender,
            "latest_message": app.state.latest.get(sender, {}),
            "slots": app.state.slots.get(sender, {}),
        }

    return app
