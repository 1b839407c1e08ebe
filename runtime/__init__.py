"""What every process shares: settings, the opened services, and logging (no business rules here)."""
