"""The package's tests run against a real Hoist API, which `npm test` starts (test/integration/python-client.test.ts)
and names in the environment."""

import os
import uuid

import httpx
import pytest

from hoist_client import HoistClient, mint_token


@pytest.fixture(scope="session")
def api_url() -> str:
    return os.environ["HOIST_API_URL"]


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return os.environ["HOIST_JWT_SECRET"]


@pytest.fixture()
def workspace() -> str:
    return f"py-{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def client(api_url: str, jwt_secret: str, workspace: str):
    with HoistClient(api_url, secret=jwt_secret, workspace=workspace) as hoist:
        yield hoist


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture()
def upload_png(api_url: str, jwt_secret: str, workspace: str):
    """Uploads a PNG as a browser would (presign, PUT, confirm) with a token minted by the package."""

    def upload(metadata=None, token=None) -> dict:
        body = PNG + os.urandom(500)
        token = token or mint_token(jwt_secret, sub="browser-user", workspace=workspace)
        auth = {"authorization": f"Bearer {token}"}
        presign = {"filename": "shot.png", "contentType": "image/png", "size": len(body)}
        if metadata:
            presign["metadata"] = metadata
        created = httpx.post(f"{api_url}/v1/uploads", json=presign, headers=auth)
        assert created.status_code == 201, created.text
        instructions = created.json()
        put = httpx.put(instructions["url"], content=body, headers=instructions["headers"])
        assert put.status_code == 200, put.text
        confirmed = httpx.post(f"{api_url}/v1/uploads/{instructions['id']}/confirm", headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        return confirmed.json()

    return upload
