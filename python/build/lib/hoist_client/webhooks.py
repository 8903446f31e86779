"""Hoist's webhooks follow Standard Webhooks: the standardwebhooks package checks the signature and the timestamp
(5 minutes either way) on the raw body."""

import json
from typing import Any, Dict, Mapping, Union

from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError as _LibraryError


class WebhookVerificationError(Exception):
    """The delivery is not Hoist's: a wrong or missing signature, a stale timestamp, or a malformed body."""


def verify_webhook(secret: str, headers: Mapping[str, str], body: Union[bytes, str]) -> Dict[str, Any]:
    """The event of a delivery, once its signature verifies; raises WebhookVerificationError otherwise.

    Pass the request's raw body, never a re-serialised one. ``secret`` is Hoist's WEBHOOK_SECRET (``whsec_…``)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        event = Webhook(secret).verify(body, lowered)
    except (_LibraryError, ValueError, KeyError, json.JSONDecodeError) as error:
        raise WebhookVerificationError(str(error) or type(error).__name__) from error
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event
