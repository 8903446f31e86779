"""The walkthrough app's side of Hoist, in FastAPI + MongoDB (docs/INTEGRATION.md walks through it).

- ``POST /api/hoist/token`` mints a short-lived Hoist token for the signed-in user (PyJWT, HS256, Hoist's JWT_SECRET).
- ``POST /webhooks/hoist`` receives Hoist's upload events, verified with the ``standardwebhooks`` package, and attaches
  each confirmed upload to the block it was uploaded for — named in the upload's metadata — or detaches it when the
  upload is deleted. Deliveries are at least once: the handling is idempotent and each webhook-id is recorded.

Run it: ``HOIST_JWT_SECRET=… HOIST_WEBHOOK_SECRET=whsec_… MONGO_URI=… uvicorn app:app``.
"""

import os
import time
from datetime import datetime, timezone

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError
from standardwebhooks import Webhook, WebhookVerificationError

HOIST_JWT_SECRET = os.environ["HOIST_JWT_SECRET"]  # the JWT_SECRET the Hoist API verifies tokens with
HOIST_TOKEN_SECONDS = 600
webhook = Webhook(os.environ["HOIST_WEBHOOK_SECRET"])  # Hoist's WEBHOOK_SECRET, whsec_…
db = MongoClient(os.environ["MONGO_URI"])[os.environ.get("APP_DB", "walkthroughs")]

app = FastAPI(title="Walkthroughs — Hoist integration")


def current_user(x_demo_user: str = Header(...), x_demo_workspace: str = Header(...)) -> dict:
    """Stands in for the app's own get_current_user (its session or JWT): who is signed in, in which workspace."""
    return {"id": x_demo_user, "workspace": x_demo_workspace}


@app.post("/api/hoist/token")
def hoist_token(user: dict = Depends(current_user)) -> dict:
    """A Hoist token for the browser: sub, workspace and exp are what Hoist requires; it scopes everything to the workspace."""
    now = int(time.time())
    claims = {"sub": user["id"], "workspace": user["workspace"], "iat": now, "exp": now + HOIST_TOKEN_SECONDS}
    return {"token": jwt.encode(claims, HOIST_JWT_SECRET, algorithm="HS256"), "expiresIn": HOIST_TOKEN_SECONDS}


@app.post("/webhooks/hoist")
async def hoist_webhook(request: Request) -> dict:
    body = await request.body()
    try:
        # Checks the signature and the timestamp (5 minutes either way); the raw body, never a re-serialised one.
        event = webhook.verify(body, dict(request.headers))
    except (WebhookVerificationError, ValueError) as error:  # a malformed signature header is a ValueError
        raise HTTPException(status_code=400, detail=f"invalid webhook: {error}")

    if event["type"] == "upload.confirmed":
        attach(event)
    elif event["type"] == "upload.deleted":
        detach(event)
    try:
        db.hoist_events.insert_one({"_id": request.headers["webhook-id"], "type": event["type"], "uploadId": event["data"]["id"], "receivedAt": datetime.now(timezone.utc)})
    except DuplicateKeyError:
        pass  # a retry of an event already handled: handling it again changed nothing
    return {"ok": True}


def block_of(event: dict):
    """The walkthrough and block an upload's metadata names, if the uploader's workspace owns that walkthrough."""
    metadata = event["data"].get("metadata", {})
    # Metadata comes from the browser: trust it only as far as the workspace Hoist verified from the token.
    walkthrough = db.walkthroughs.find_one({"_id": metadata.get("walkthroughId"), "workspaceId": event["workspaceId"]})
    if not walkthrough:
        return None, None
    for step in walkthrough.get("steps", []):
        if step.get("id") != metadata.get("stepId"):
            continue
        for block in step.get("blocks", []):
            if block.get("id") == metadata.get("blockId"):
                return walkthrough, block
    return walkthrough, None


def attach(event: dict) -> None:
    walkthrough, block = block_of(event)
    if block is None:
        return
    upload = event["data"]
    block.setdefault("data", {})
    block["data"].update({"url": upload["url"], "uploadId": upload["id"], "contentType": upload["contentType"]})
    db.walkthroughs.replace_one({"_id": walkthrough["_id"]}, walkthrough)


def detach(event: dict) -> None:
    walkthrough, block = block_of(event)
    if block is None or block.get("data", {}).get("uploadId") != event["data"]["id"]:
        return
    for field in ("url", "uploadId", "contentType"):
        block["data"].pop(field, None)
    db.walkthroughs.replace_one({"_id": walkthrough["_id"]}, walkthrough)
