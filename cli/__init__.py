"""Package data and modules of clearview_kg.cli."""
