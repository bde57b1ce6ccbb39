"""Organisation management: staff's list of organisations (create one, assign its first
admin) and the admin's organisation settings (members' reminder schedule)."""
