"""What rule-like settings (SLA policies, assignment rules, auto-reply rules) have in common."""
