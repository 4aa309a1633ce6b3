"""Letters between units and notifications to citizens, delivered through an outbox."""
