"""The walkthrough app's side of Hoist, in FastAPI + MongoDB, with the ``hoist_client`` package (docs/INTEGRATION.md
walks through it).

- ``POST /api/hoist/token`` mints a short-lived Hoist token for the signed-in user and the one block they upload for:
  the token's upload rules fix the block's walkthroughId, stepId and blockId as metadata (the browser cannot change
  them) and allow images and videos only.
- ``POST /webhooks/hoist`` receives Hoist's upload events (Standard Webhooks, verified by ``verify_webhook``) and puts
  each confirmed upload in the block its fixed metadata names, then tells Hoist: attach the new upload to the block,
  detach the one it replaced, so ``hoist gc`` knows which files the app still uses. A deleted upload leaves its block.
  Deliveries are at least once, concurrent and in any order: each is one atomic update of its block (never a replace
  of the walkthrough), a newer upload is never replaced by an older one's late event, and each webhook-id is recorded.

Run it: ``pip install -r requirements.txt ../../python``, then
``HOIST_API_URL=… HOIST_JWT_SECRET=… HOIST_WEBHOOK_SECRET=whsec_… MONGO_URI=… uvicorn app:app``.
"""

import os
from datetime import datetime, timezone
from typing import Optional

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from hoist_client import HoistClient, HoistError, WebhookVerificationError, mint_token, verify_webhook
from pydantic import BaseModel
from pymongo import MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

HOIST_API_URL = os.environ["HOIST_API_URL"]
HOIST_JWT_SECRET = os.environ["HOIST_JWT_SECRET"]  # the JWT_SECRET the Hoist API verifies tokens with
HOIST_WEBHOOK_SECRET = os.environ["HOIST_WEBHOOK_SECRET"]  # Hoist's WEBHOOK_SECRET, whsec_…
HOIST_TOKEN_SECONDS = 600
BLOCK_KEYS = ("walkthroughId", "stepId", "blockId")
db = MongoClient(os.environ["MONGO_URI"])[os.environ.get("APP_DB", "walkthroughs")]

app = FastAPI(title="Walkthroughs — Hoist integration")


def current_user(x_demo_user: str = Header(...), x_demo_workspace: str = Header(...)) -> dict:
    """Stands in for the app's own get_current_user (its session or JWT): who is signed in, in which workspace."""
    return {"id": x_demo_user, "workspace": x_demo_workspace}


class BlockRef(BaseModel):
    walkthroughId: str
    stepId: str
    blockId: str


@app.post("/api/hoist/token")
def hoist_token(block: BlockRef, user: dict = Depends(current_user)) -> dict:
    """A Hoist token for uploading into one block of a walkthrough of the user's workspace."""
    if find_block(user["workspace"], block.model_dump()) is None:
        raise HTTPException(status_code=404, detail="no such block in your workspace")
    rules = {"contentTypes": ["image/*", "video/*"], "metadata": block.model_dump()}
    token = mint_token(HOIST_JWT_SECRET, sub=user["id"], workspace=user["workspace"], ttl_seconds=HOIST_TOKEN_SECONDS, upload=rules)
    return {"token": token, "expiresIn": HOIST_TOKEN_SECONDS}


@app.post("/webhooks/hoist")
async def hoist_webhook(request: Request) -> dict:
    try:
        event = verify_webhook(HOIST_WEBHOOK_SECRET, request.headers, await request.body())
    except WebhookVerificationError as error:
        raise HTTPException(status_code=400, detail=f"invalid webhook: {error}")

    if event["type"] == "upload.confirmed":
        put_in_block(event)
    elif event["type"] == "upload.deleted":
        take_out_of_block(event)
    try:
        db.hoist_events.insert_one({"_id": request.headers["webhook-id"], "type": event["type"], "uploadId": event["data"]["id"], "receivedAt": datetime.now(timezone.utc)})
    except DuplicateKeyError:
        pass  # a retry of an event already handled: handling it again changed nothing
    return {"ok": True}


def find_block(workspace: str, names: dict) -> Optional[tuple]:
    """Where the named block is — a filter that pins it, and its path — if the workspace owns that walkthrough."""
    walkthrough = db.walkthroughs.find_one({"_id": names.get("walkthroughId"), "workspaceId": workspace})
    if not walkthrough:
        return None
    for i, step in enumerate(walkthrough.get("steps", [])):
        if step.get("id") != names.get("stepId"):
            continue
        for j, block in enumerate(step.get("blocks", [])):
            if block.get("id") == names.get("blockId"):
                path = f"steps.{i}.blocks.{j}"
                return {"_id": walkthrough["_id"], f"steps.{i}.id": step["id"], f"{path}.id": block["id"]}, path
    return None


def block_of(event: dict) -> Optional[tuple]:
    """The block an upload was made for. Only metadata the app's token fixed is trusted: a browser could name any
    block in other metadata."""
    upload = event["data"]
    if not set(BLOCK_KEYS) <= set(upload.get("fixedMetadata", [])):
        return None
    return find_block(event["workspaceId"], upload.get("metadata", {}))


def reference_of(names: dict) -> str:
    """How the app names the block to Hoist (an attachment's reference)."""
    return f"walkthroughs/{names['walkthroughId']}/steps/{names['stepId']}/blocks/{names['blockId']}"


def update_block(event: dict, only_if, change) -> Optional[dict]:
    """One atomic update of the block's own fields, never a read-modify-replace of the walkthrough: two deliveries for
    blocks of the same walkthrough cannot overwrite each other. Retried if the block moved between read and write.
    Returns the walkthrough as it was before the update, or None when nothing changed."""
    for _ in range(3):
        found = block_of(event)
        if found is None:
            return None
        where, path = found
        before = db.walkthroughs.find_one_and_update({**where, **only_if(path)}, change(path), return_document=ReturnDocument.BEFORE)
        if before is not None:
            return {"walkthrough": before, "path": path}
        if db.walkthroughs.count_documents(where):
            return None  # the block is where it was: only_if said no (see below)
    return None


def block_data(walkthrough: dict, path: str) -> dict:
    _, step, _, block = path.split(".")
    return walkthrough["steps"][int(step)]["blocks"][int(block)].get("data", {})


def put_in_block(event: dict) -> None:
    upload = event["data"]
    changed = update_block(
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
    if changed is None:
        return
    # Attach the new upload before detaching the old: at no moment is the block's file unprotected from cleanup.
    reference = reference_of(upload["metadata"])
    with HoistClient(HOIST_API_URL, secret=HOIST_JWT_SECRET, workspace=event["workspaceId"]) as hoist:
        hoist.attach(upload["id"], reference)
        replaced = block_data(changed["walkthrough"], changed["path"]).get("uploadId")
        if replaced and replaced != upload["id"]:
            try:
                hoist.detach(replaced, reference)
            except HoistError as error:
                if error.status != 404:  # deleted already: nothing holds it
                    raise


def take_out_of_block(event: dict) -> None:
    upload_id = event["data"]["id"]
    update_block(
        event,
        lambda path: {f"{path}.data.uploadId": upload_id},  # only the upload that is in it, not a newer one
        lambda path: {"$unset": {f"{path}.data.{field}": "" for field in ("url", "uploadId", "contentType")}},
    )
