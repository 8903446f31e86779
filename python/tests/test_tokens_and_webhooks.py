import base64
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from standardwebhooks import Webhook

from hoist_client import WebhookVerificationError, mint_token, verify_webhook

SECRET = "whsec_" + base64.b64encode(b"a-test-webhook-secret-32-bytes!!").decode()


def test_a_token_carries_sub_workspace_and_an_exp_in_seconds():
    claims = jwt.decode(mint_token("s" * 32, sub="u1", workspace="w1", ttl_seconds=120), "s" * 32, algorithms=["HS256"])
    assert (claims["sub"], claims["workspace"]) == ("u1", "w1")
    assert 0 < claims["exp"] - time.time() <= 120


def test_upload_rules_travel_in_the_token():
    rules = {"contentTypes": ["image/*"], "maxSize": 5_242_880, "metadata": {"blockId": "b1"}}
    token = mint_token("s" * 32, sub="u1", workspace="w1", upload=rules)
    assert jwt.decode(token, "s" * 32, algorithms=["HS256"])["upload"] == rules


def test_an_app_token_says_so_and_no_other_role_exists():
    token = mint_token("s" * 32, sub="backend", workspace="w1", role="app")
    assert jwt.decode(token, "s" * 32, algorithms=["HS256"])["role"] == "app"
    with pytest.raises(ValueError):
        mint_token("s" * 32, sub="backend", workspace="w1", role="admin")


def test_a_user_id_must_be_a_string():
    with pytest.raises(ValueError):
        mint_token("s" * 32, sub=42, workspace="w1")  # type: ignore[arg-type]


def signed(body: str, at: datetime, secret: str = SECRET) -> dict:
    return {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_1", at, body),
    }


def test_a_signed_delivery_verifies_and_gives_the_event():
    body = json.dumps({"id": "evt_1", "type": "upload.confirmed", "data": {"id": "01J"}})
    headers = {name.title(): value for name, value in signed(body, datetime.now(timezone.utc)).items()}
    assert verify_webhook(SECRET, headers, body.encode())["type"] == "upload.confirmed"


@pytest.mark.parametrize(
    "case",
    ["another secret", "a changed body", "a stale timestamp", "no signature"],
)
def test_anything_else_is_refused(case):
    body = json.dumps({"id": "evt_1", "type": "upload.confirmed"})
    now = datetime.now(timezone.utc)
    headers = signed(body, now)
    if case == "another secret":
        headers = signed(body, now, "whsec_" + base64.b64encode(b"another-secret-of-thirty-2-bytes").decode())
    elif case == "a changed body":
        body = body.replace("confirmed", "deleted")
    elif case == "a stale timestamp":
        headers = signed(body, now - timedelta(minutes=10))
    else:
        del headers["webhook-signature"]
    with pytest.raises(WebhookVerificationError):
        verify_webhook(SECRET, headers, body)
