"""An automation rule with the `open_case` action opens a case on a matching buyer message, once."""

from tests.automation.test_pipeline import drain, runs
from tests.helpers import make_channel, push


async def test_a_return_keyword_rule_opens_one_return_case(tenant, sessionmaker):
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Returns",
            "position": 1,
            "conditions": {"keywords": ["return", "退货"]},
            "actions": [{"type": "open_case", "kind": "return"}],
            "cooldown_minutes": 1,
        },
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="walmart")
    first = await push(tenant.api, channel["id"], external_thread_id="th-1", body="我想退货")
    await drain(sessionmaker)
    cases = (await tenant.agent.get("/v1/cases", params={"conversation_id": first["conversation_id"]})).json()
    [case] = cases["items"]
    assert case["kind"] == "return" and case["source"] == "automation"
    assert case["reason"] == "opened by rule 'Returns'" and case["opened_by_type"] == "automation"
    detail = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert detail["history"][0]["actor_name"] == "rule 'Returns'"
    # A second matching message on the same conversation does not open another case.
    await push(tenant.api, channel["id"], external_thread_id="th-1", body="Any news on my return?")
    await drain(sessionmaker)
    cases = (await tenant.agent.get("/v1/cases", params={"conversation_id": first["conversation_id"]})).json()
    assert len(cases["items"]) == 1
    done = [run.actions_done for run in await runs(sessionmaker) if run.actions_done]
    assert any("opened return case" in a for actions in done for a in actions)
