"""All ORM models; importing this package registers every table on `Base.metadata` (for Alembic)."""

from api.models.api_key import ApiKey
from api.models.attachment import Attachment
from api.models.audit import AuditEntry
from api.models.automation import AssignmentRule, AutomationRun, AutoReplyRule, Reminder, Template
from api.models.base import Base
from api.models.bulk_job import BulkJob, BulkJobItem
from api.models.case import Case, CaseAttachment, CaseSettings, CaseTransition
from api.models.channel import Channel
from api.models.conversation import Conversation
from api.models.csat import CsatSettings, CsatSurvey
from api.models.customer import Customer, CustomerTierRules
from api.models.draft_lock import DraftLockSettings
from api.models.export_job import ExportJob
from api.models.idempotency import IdempotencyRecord
from api.models.inbound_push import InboundPush
from api.models.knowledge import HelpSite, KnowledgeArticle, KnowledgeEvent, KnowledgeVariant, KnowledgeVersion
from api.models.macro import Macro
from api.models.message import Message
from api.models.metrics import (
    ConversationResolution,
    MetricDirtyHour,
    MetricRollup,
    MetricRollupDay,
    MetricRollupMarketplaceDay,
)
from api.models.note import Note
from api.models.order import Order, OrderItem, Shipment
from api.models.organization import Organization
from api.models.outbox import OutboxEvent
from api.models.overflow import OverflowAlert, OverflowSettings
from api.models.privacy import PrivacySettings
from api.models.product_issue import ProductIssueMention
from api.models.report_schedule import OutboundEmailAttachment, ReportDelivery, ReportSchedule
from api.models.saved_view import SavedView
from api.models.shift import Shift, ShiftHandover
from api.models.sla import BusinessCalendar, Notification, OutboundEmail, SlaClock, SlaPolicy, SlaTimer
from api.models.team import Team, TeamMember
from api.models.translation import (
    GlossaryTerm,
    TranslationCacheEntry,
    TranslationPreference,
    TranslationRetry,
    TranslationSettings,
    TranslationUsage,
)
from api.models.user import User, UserSession
from api.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AssignmentRule",
    "Attachment",
    "AuditEntry",
    "AutoReplyRule",
    "AutomationRun",
    "Base",
    "BulkJob",
    "BulkJobItem",
    "BusinessCalendar",
    "Case",
    "CaseAttachment",
    "CaseSettings",
    "CaseTransition",
    "Channel",
    "Conversation",
    "ConversationResolution",
    "CsatSettings",
    "CsatSurvey",
    "Customer",
    "CustomerTierRules",
    "DraftLockSettings",
    "ExportJob",
    "GlossaryTerm",
    "HelpSite",
    "IdempotencyRecord",
    "InboundPush",
    "KnowledgeArticle",
    "KnowledgeEvent",
    "KnowledgeVariant",
    "KnowledgeVersion",
    "Macro",
    "Message",
    "MetricDirtyHour",
    "MetricRollup",
    "MetricRollupDay",
    "MetricRollupMarketplaceDay",
    "Note",
    "Notification",
    "Order",
    "OrderItem",
    "Organization",
    "OutboundEmail",
    "OutboundEmailAttachment",
    "OutboxEvent",
    "OverflowAlert",
    "OverflowSettings",
    "PrivacySettings",
    "ProductIssueMention",
    "Reminder",
    "ReportDelivery",
    "ReportSchedule",
    "SavedView",
    "Shift",
    "ShiftHandover",
    "Shipment",
    "SlaClock",
    "SlaPolicy",
    "SlaTimer",
    "Team",
    "TeamMember",
    "Template",
    "TranslationCacheEntry",
    "TranslationPreference",
    "TranslationRetry",
    "TranslationSettings",
    "TranslationUsage",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
