"""A small typed client of the Hoist API for the app's backend, with a token it mints for itself."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import httpx

from .tokens import mint_token


class HoistError(Exception):
    """An answer in Hoist's error shape: ``code`` (e.g. UPLOAD_NOT_FOUND), ``message`` fit to show, the HTTP ``status``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass
class UploadPage:
    items: List[Dict[str, Any]]
    next_cursor: Optional[str]


class HoistClient:
    """Reads, attaches, detaches and deletes one workspace's uploads, as the app's backend (``sub``, by default
    ``"app"``). The client signs its own short-lived app tokens with Hoist's JWT secret; it never holds a user's."""

    def __init__(
        self,
        api_url: str,
        *,
        secret: str,
        workspace: str,
        sub: str = "app",
        timeout_seconds: float = 10.0,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self._secret = secret
        self._workspace = workspace
        self._sub = sub
        self._http = httpx.Client(base_url=api_url.rstrip("/"), timeout=timeout_seconds, transport=transport)

    def __enter__(self) -> "HoistClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, upload_id: str) -> Dict[str, Any]:
        return self._call("GET", f"/v1/uploads/{upload_id}")

    def list(
        self,
        *,
        status: Optional[str] = None,
        metadata: Optional[Dict[str, str]] = None,
        limit: int = 20,
        cursor: Optional[str] = None,
    ) -> UploadPage:
        """One page of the workspace's uploads, newest first; pass ``next_cursor`` back for the next page."""
        params: Dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if cursor:
            params["cursor"] = cursor
        for key, value in (metadata or {}).items():
            params[f"metadata.{key}"] = value
        page = self._call("GET", "/v1/uploads", params=params)
        return UploadPage(items=page["items"], next_cursor=page.get("nextCursor"))

    def attach(self, upload_id: str, reference: str) -> Dict[str, Any]:
        """Records that one of the app's records (e.g. ``walkthroughs/w1/steps/s2/blocks/b3``) uses the upload, so
        cleanup never deletes it. Idempotent. Returns the upload, with its ``attachments``."""
        return self._call("POST", f"/v1/uploads/{upload_id}/attach", json={"reference": reference})

    def detach(self, upload_id: str, reference: str) -> Dict[str, Any]:
        """That record no longer uses the upload (replaced, or deleted). Idempotent."""
        return self._call("POST", f"/v1/uploads/{upload_id}/detach", json={"reference": reference})

    def download(self, upload_id: str, *, width: Optional[int] = None, format: Optional[str] = None) -> str:
        """A presigned GET URL of the file, or of its image variant ``width`` (``format`` "webp" unless named), that
        works for DOWNLOAD_URL_TTL_SECONDS: how a private upload (no ``url`` in its record) is shown. Ask for a new
        one each time a page shows the file."""
        params: Dict[str, Any] = {}
        if width is not None:
            params["width"] = width
        if format is not None:
            params["format"] = format
        return self._call("GET", f"/v1/uploads/{upload_id}/download", params=params)["url"]

    def delete(self, upload_id: str) -> None:
        """Discards a pending upload, or deletes a confirmed one (its file, variants and record)."""
        self._call("DELETE", f"/v1/uploads/{upload_id}")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        token = mint_token(self._secret, sub=self._sub, workspace=self._workspace, ttl_seconds=60, role="app")
        answer = self._http.request(method, path, headers={"authorization": f"Bearer {token}"}, **kwargs)
        if answer.status_code >= 400:
            error = _error_of(answer)
            code, message = error.get("code", "HTTP_ERROR"), error.get("message", answer.text)
            raise HoistError(answer.status_code, code, message, error.get("details"))
        return answer.json() if answer.content else None


def _error_of(answer: httpx.Response) -> Dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body.get("error", {}) if isinstance(body, dict) else {}
