"""Reports with figures, and the ontology as a static site (issue 12)."""
