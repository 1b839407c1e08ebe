"""The Telegram transport: application, handlers, rendering, the outbound sender, staff relay, webhook."""
