"""Services: the only code that changes data. Each takes the actor, asks the policy, writes its rows
and events in one transaction, commits, then publishes (see DESIGN.md)."""
