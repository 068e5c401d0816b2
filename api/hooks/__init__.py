"""Endpoints the marketplaces push to (webhooks), authenticated by their signatures, not API keys."""
