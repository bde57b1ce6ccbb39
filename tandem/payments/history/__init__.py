"""A client's payment history: their payments with refunds, voids and documents
(/payments/, GET /api/v1/me/payments)."""
