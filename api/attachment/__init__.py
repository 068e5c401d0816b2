"""Attachments: buyers' images and files (fetched through the outbound policy, never hot-linked) and
agents' uploads, kept in a content-addressed file store with a size cap and a sniffed content type."""
