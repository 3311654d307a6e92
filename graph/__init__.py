"""Package data and modules of clearview_kg.graph."""
