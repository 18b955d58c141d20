"""Webhooks: other systems (apps, newsletters, partners) are told of content events.

Subscriptions are managed in the admin; each event of a kind a subscription wants becomes a
Delivery, signed as Standard Webhooks says, retried with backoff for up to a day, logged,
replayable, and switched off after repeated failure (docs/operators-guide.md).
"""
