"""Assertions shared by the bad-input tests: a 4xx in the API error shape that names the problem."""

from __future__ import annotations


def assert_refused(response, status: int, code: str, text: str) -> None:
    """The status, a JSON error body carrying `code` and `text`, and no internals leaked."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert code in {body["errorCode"]} | {e["errorCode"] for e in body["errors"]}, body
    assert text in body["message"] + " ".join(e["description"] for e in body["errors"]), body
    assert "Traceback" not in response.content.decode() and "root:x:" not in response.content.decode()
