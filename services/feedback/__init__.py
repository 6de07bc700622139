"""The feedback service: citizens' satisfaction votes, one per served ticket (services.feedback.handlers)."""
