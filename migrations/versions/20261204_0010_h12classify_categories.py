"""classification: `cancel` and `damaged` categories; the 1-hour BBB / Attorney General policy on every channel

The classifier (api/automation/classify.py) now tells an order cancellation and a damaged or
defective item from the other categories, and reads BBB / Attorney-General threats from the text
on any channel. Organizations created before this revision got their built-in SLA policies already
(they are copied on first use), so the new built-in `bbb_ag_complaint` is added to theirs here, with
the values of api/sla/catalog.py at this revision.

Revision ID: 0010_h12classify_categories
Revises: 0010_h18mail_accepted
Create Date: 2026-12-04 19:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_h12classify_categories"
down_revision: str | None = "0010_h18mail_accepted"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = (
    "uncategorized", "pre_sale", "order_status", "shipping", "return_refund", "complaint", "product_question",
    "walmart_customer_care", "platform_notice", "spam_likely",
)
NEW = (
    "uncategorized", "pre_sale", "order_status", "shipping", "return_refund", "cancel", "damaged", "complaint",
    "product_question", "walmart_customer_care", "platform_notice", "spam_likely",
)

POLICY_NAME = "BBB / Attorney General complaint, any channel (1 h)"
POLICY_SOURCE = (
    "Walmart Customer Care Policy's 1-hour rule for Better Business Bureau or Attorney General complaints "
    "applied by Hourglass on every other channel too: an ERP's `api` channel or a mailbox "
    "may carry Walmart's mail, and no marketplace publishes a longer target for a legal complaint. The label "
    "comes from the marketplace (Walmart's escalations address, an ERP's push) or from the buyer's own words."
)
TIERS = (
    '[{"at_fraction": 0.5, "action": "email_assignee"}, '
    '{"at_fraction": 0.75, "action": "notify_assignee_and_team"}, '
    '{"at_fraction": 0.9166666666666666, "action": "escalate_supervisor"}]'
)


def _check(values: tuple[str, ...]) -> str:
    return "category IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_conversations_category"), "conversations", type_="check")
    op.create_check_constraint("category", "conversations", _check(NEW))
    op.execute(
        f"""
        INSERT INTO sla_policies (id, organization_id, name, builtin_key, source, position, conditions,
                                  first_response_seconds, next_response_seconds, automation_counts, tiers)
        SELECT gen_random_uuid(), p.organization_id, $name${POLICY_NAME}$name$, 'bbb_ag_complaint',
               $src${POLICY_SOURCE}$src$, 15,
               '{{"labels_any": ["bbb_complaint", "attorney_general_complaint"]}}'::jsonb,
               3600, 3600, false, '{TIERS}'::jsonb
        FROM sla_policies p WHERE p.builtin_key = 'default'
        ON CONFLICT (organization_id, builtin_key) DO NOTHING
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM sla_policies WHERE builtin_key = 'bbb_ag_complaint'")
    op.execute("UPDATE conversations SET category = 'return_refund' WHERE category IN ('cancel', 'damaged')")
    op.drop_constraint(op.f("ck_conversations_category"), "conversations", type_="check")
    op.create_check_constraint("category", "conversations", _check(OLD))
