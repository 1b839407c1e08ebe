"""The Telegram transport: application, update handlers, rendering, the outbound sender, staff relay, webhook."""
