"""Going Local: a linked-data knowledge graph of HMIC's Going Local inspections."""
