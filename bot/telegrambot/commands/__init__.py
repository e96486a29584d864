"""Command handlers, one module per family; each exports ``HANDLERS``."""
