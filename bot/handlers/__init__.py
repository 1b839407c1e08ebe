"""Intent and command handlers: each turns a Turn into replies by calling actions; no transport here."""
