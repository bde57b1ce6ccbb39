"""Invoices, receipts and credit notes: numbering, frozen snapshots, PDFs and their emails."""
