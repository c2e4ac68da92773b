"""Curation: compiling the editors' YAML records of a source into the RDF under data/."""
