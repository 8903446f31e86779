"""The walkthrough app's side of Hoist, in FastAPI + MongoDB (docs/INTEGRATION.md walks through it).

- ``POST /api/hoist/token`` mints a short-lived Hoist token for the signed-in user (PyJWT, HS256, Hoist's JWT_SECRET).
- ``POST /webhooks/hoist`` receives Hoist's upload events, verified with the ``standardwebhooks`` package, and attaches
  each confirmed upload to the block it was uploaded for — named in the upload's metadata — or detaches it when the
  upload is deleted. Deliveries are at least once, concurrent and in any order: each is one atomic update of its
  block (never a replace of the walkthrough), a newer upload is never replaced by an older one's late event, and
  each webhook-id is recorded.

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


def block_in_walkthrough(event: dict):
    """Where the block the upload's metadata names is — a filter that pins it, and its path — if the uploader's
    workspace owns that walkthrough; None otherwise."""
    metadata = event["data"].get("metadata", {})
    # Metadata comes from the browser: trust it only as far as the workspace Hoist verified from the token.
    walkthrough = db.walkthroughs.find_one({"_id": metadata.get("walkthroughId"), "workspaceId": event["workspaceId"]})
    if not walkthrough:
        return None
    for i, step in enumerate(walkthrough.get("steps", [])):
        if step.get("id") != metadata.get("stepId"):
            continue
        for j, block in enumerate(step.get("blocks", [])):
            if block.get("id") == metadata.get("blockId"):
                path = f"steps.{i}.blocks.{j}"
                return {"_id": walkthrough["_id"], f"steps.{i}.id": step["id"], f"{path}.id": block["id"]}, path
    return None


def update_block(event: dict, only_if: dict, change) -> None:
    """One atomic update of the block's own fields, never a read-modify-replace of the walkthrough: two deliveries for
    blocks of the same walkthrough cannot overwrite each other. Retried if the block moved between read and write."""
    for _ in range(3):
        found = block_in_walkthrough(event)
        if found is None:
            return
        where, path = found
        if db.walkthroughs.update_one({**where, **only_if(path)}, change(path)).matched_count:
            return
        if db.walkthroughs.count_documents(where):
            return  # the block is where it was: only_if said no (see attach and detach)


def attach(event: dict) -> None:
    upload = event["data"]
    update_block(
        event,
        # Upload ids grow with time: a retried or late event of an older upload never replaces a newer one.
        lambda path: {f"{path}.data.uploadId": {"$not": {"$gt": upload["id"]}}},
        lambda path: {
            "$set": {
                f"{path}.data.url": upload["url"],
                f"{path}.data.uploadId": upload["id"],
                f"{path}.data.contentType": upload["contentType"],
            }
        },
    )


def detach(event: dict) -> None:
    upload_id = event["data"]["id"]
    update_block(
        event,
        lambda path: {f"{path}.data.uploadId": upload_id},  # only the upload that is attached, not a newer one
        lambda path: {"$unset": {f"{path}.data.{field}": "" for field in ("url", "uploadId", "contentType")}},
    )
