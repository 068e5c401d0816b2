"""A faithful local stand-in for the marketplaces Hourglass connects to (`hourglass sandbox`).

eBay, Shopee and TikTok Shop APIs and pushes, the Amazon and Walmart mail relays (IMAP + SMTP),
Walmart's Orders and Seller Response Rate APIs and Amazon SP-API Messaging, with ground truth,
faults on demand and a traffic generator. It shares no code with `api` or `workers`.
"""

from sandbox.config import SandboxConfig, StoreSpec
from sandbox.server import Sandbox, run

__all__ = ["Sandbox", "SandboxConfig", "StoreSpec", "run"]
