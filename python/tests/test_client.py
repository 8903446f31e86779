import httpx
import pytest

from hoist_client import HoistError, mint_token


def test_a_token_minted_by_the_package_uploads(upload_png):
    record = upload_png(metadata={"blockId": "b1"})
    assert record["status"] == "confirmed"
    assert record["metadata"] == {"blockId": "b1"}


def test_a_private_upload_has_no_url_and_is_read_through_download(api_url, jwt_secret, workspace, client, upload_png):
    token = mint_token(jwt_secret, sub="browser-user", workspace=workspace, upload={"visibility": "private"})
    record = upload_png(token=token)
    assert record["visibility"] == "private"
    assert "url" not in record
    served = httpx.get(client.download(record["id"]))
    assert served.status_code == 200
    assert served.content.startswith(b"\x89PNG")
    assert served.headers["cache-control"].startswith("private, max-age=")


def test_get_and_list_by_metadata(client, upload_png):
    first = upload_png(metadata={"stepId": "s1"})
    upload_png(metadata={"stepId": "s2"})
    assert client.get(first["id"])["url"] == first["url"]
    page = client.list(metadata={"stepId": "s1"})
    assert [item["id"] for item in page.items] == [first["id"]]


def test_list_pages_with_the_cursor(client, upload_png):
    ids = {upload_png()["id"] for _ in range(3)}
    first = client.list(limit=2)
    assert len(first.items) == 2 and first.next_cursor
    second = client.list(limit=2, cursor=first.next_cursor)
    assert {item["id"] for item in first.items + second.items} == ids


def test_delete_then_get_is_hoists_404(client, upload_png):
    record = upload_png()
    client.delete(record["id"])
    with pytest.raises(HoistError) as raised:
        client.get(record["id"])
    assert raised.value.status == 404
    assert raised.value.code == "UPLOAD_NOT_FOUND"


def test_another_workspace_sees_nothing(api_url, jwt_secret, upload_png):
    from hoist_client import HoistClient

    record = upload_png()
    with HoistClient(api_url, secret=jwt_secret, workspace="py-someone-else") as other:
        with pytest.raises(HoistError) as raised:
            other.get(record["id"])
    assert raised.value.status == 404


def test_attach_and_detach_keep_the_references_on_the_upload(client, upload_png):
    record = upload_png()
    block = "walkthroughs/w1/steps/s2/blocks/b3"
    assert client.attach(record["id"], block)["attachments"] == [block]
    assert client.get(record["id"])["attachments"] == [block]
    assert "attachments" not in client.detach(record["id"], block)


def test_a_browser_token_cannot_attach(api_url, jwt_secret, workspace, upload_png):
    record = upload_png()
    browser = mint_token(jwt_secret, sub="browser-user", workspace=workspace)
    answer = httpx.post(
        f"{api_url}/v1/uploads/{record['id']}/attach",
        json={"reference": "blocks/b1"},
        headers={"authorization": f"Bearer {browser}"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "APP_TOKEN_REQUIRED"
