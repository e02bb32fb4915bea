"""Webhooks: the outbox written with each change, subscriptions, signed deliveries with retries."""
