"""Generic email: any mailbox over IMAP/SMTP, threaded by References. RFC 3834 Auto-Submitted (or
bulk Precedence) mail is ingested as system mail, which starts no clock and is never auto-answered."""

from __future__ import annotations

from api.channel.connectors.mail.connector import MailConnector, base_inbound
from api.channel.connectors.mail.parse import Mail
from api.message.inbound import InboundMessage


class EmailConnector(MailConnector):
    marketplace = "email"

    def to_inbound(self, mail: Mail) -> InboundMessage | None:
        return base_inbound(mail)
