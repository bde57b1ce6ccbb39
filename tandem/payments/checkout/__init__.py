"""Checkout: paying for a booking (package credit, gift card, account credit, card, invoice), refunds and provider webhooks."""
