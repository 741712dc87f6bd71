"""Talking back: the outbox, its dispatcher, one sender per platform, and partner webhooks.

See docs/architecture.md ("Outbound") for the path of one message.
"""
