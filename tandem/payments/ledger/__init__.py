"""The ledger: double-entry postings, accounts and their balances, money in minor units."""
