"""Checkout: paying for a booking, a package or a gift card (package credit, gift card,
account credit, card, invoice), refunds, the staff payment pages and the provider webhook."""
