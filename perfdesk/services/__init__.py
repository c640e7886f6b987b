"""asyncio services (no Qt): engine client, store, embedded database, monitor, alerts."""
