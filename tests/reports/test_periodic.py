"""The weekly / monthly report: periods, and the PDF, CSV and XLSX downloads."""

import io
from datetime import UTC, date, datetime, timedelta

from api.reports import periodic, rollup
from tests.helpers import make_channel, push


def test_week_runs_monday_to_monday_in_the_local_zone():
    start, end = periodic.period_bounds("week", date(2026, 12, 3), "Asia/Shanghai")  # a Thursday
    assert start.date() == date(2026, 11, 30) and end.date() == date(2026, 12, 7)
    assert start.astimezone(UTC) == datetime(2026, 11, 29, 16, tzinfo=UTC)


def test_month_bounds_and_previous_period_day():
    start, end = periodic.period_bounds("month", date(2028, 2, 10), "UTC")
    assert (start.date(), end.date()) == (date(2028, 2, 1), date(2028, 3, 1))
    assert periodic.previous_period_day("month", date(2026, 3, 15)) == date(2026, 2, 28)
    assert periodic.previous_period_day("week", date(2026, 3, 15)) == date(2026, 3, 8)


def test_csv_has_a_bom_and_every_section():
    table = periodic.ReportTable("T", "S", [("Agents", ["Agent", "Replies"], [["小王", "3"]])])
    text = periodic.to_csv(table).decode("utf-8")
    assert text.startswith("\ufeffT") and "小王,3" in text


async def test_downloads_carry_the_figures_and_agents_are_refused(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="ebay")
    await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"name": "客服小王"})
    asked = datetime.now(UTC) - timedelta(days=2)
    msg = await push(tenant.api, channel["id"], sent_at=asked.isoformat())
    reply = (
        await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Shipped."})
    ).json()
    sent = {"status": "sent", "delivered_at": (asked + timedelta(minutes=30)).isoformat()}
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json=sent)
    async with sessionmaker.begin() as s:
        await rollup.fold(s)
    day = asked.date().isoformat()

    r = await tenant.admin.get("/v1/reports/periodic", params={"period": "month", "date": day})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totals"]["replies_human"] == 1 and body["agents"][0]["replies_human"] == 1

    pdf = await tenant.admin.get(
        "/v1/reports/periodic/download", params={"period": "month", "date": day, "format": "pdf", "language": "zh-CN"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    csv = await tenant.admin.get(
        "/v1/reports/periodic/download", params={"period": "month", "date": day, "format": "csv"}
    )
    assert "Replies by people,1," in csv.content.decode("utf-8")
    xlsx = await tenant.admin.get(
        "/v1/reports/periodic/download", params={"period": "week", "date": day, "format": "xlsx"}
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import zipfile

    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()

    assert (await tenant.agent.get("/v1/reports/periodic")).status_code == 403
    bad = await tenant.admin.get("/v1/reports/periodic/download", params={"format": "docx"})
    assert bad.status_code == 422
