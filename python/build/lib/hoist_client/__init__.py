"""The app's side of Hoist, for a Python backend (FastAPI, Django, Flask): mint the tokens browsers upload with,
verify Hoist's webhooks, and read or delete the workspace's uploads."""

from .client import HoistClient, HoistError, UploadPage
from .tokens import UploadRules, mint_token
from .webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "HoistClient",
    "HoistError",
    "UploadPage",
    "UploadRules",
    "WebhookVerificationError",
    "mint_token",
    "verify_webhook",
]
