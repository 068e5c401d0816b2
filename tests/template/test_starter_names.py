"""Starter templates say when they still carry their own name, so the SPA can show it in the reader's
language (templates.starterName.<key>); once someone renames one, their name is shown as typed."""

from __future__ import annotations


async def test_starters_keep_a_translatable_name_until_renamed(tenant):
    templates = (await tenant.admin.get("/v1/templates")).json()
    starters = [t for t in templates if t["starter_key"]]
    assert starters and all(t["name_is_builtin"] for t in starters)
    ack = next(t for t in starters if t["starter_key"] == "out_of_hours")
    r = await tenant.admin.patch(f"/v1/templates/{ack['id']}", json={"name": "我们的非工作时间确认"})
    assert r.status_code == 200, r.text
    assert r.json()["name_is_builtin"] is False and r.json()["starter_key"] == "out_of_hours"
    made = await tenant.admin.post(
        "/v1/templates", json={"name": "Out-of-hours acknowledgement", "category": "uncategorized", "body": "Hi"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["name_is_builtin"] is False  # the same words, but not the starter
