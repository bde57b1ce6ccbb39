"""Coach earnings, payouts, and a coach's payment settings (late fee, platform fee, Stripe
account)."""
