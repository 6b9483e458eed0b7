"""Who is told: the on-call rota, what notifies, the channels and escalation."""
