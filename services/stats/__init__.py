"""The stats service: figures for managers, projected from the event stream (services.stats.projector)."""
