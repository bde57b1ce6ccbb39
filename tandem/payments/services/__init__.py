"""Payment services: every write that moves money posts through `ledger.post`."""
