"""clearview-kg: a knowledge graph of the Clearview AI saga, with sources and quotes."""

__version__ = "0.1.0"
