"""One module per platform, each a ``Sender`` (app.outbound.senders.base)."""
