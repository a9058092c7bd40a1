"""The ScholarKG ontology, SHACL shapes and arXiv category taxonomy (data files next to this module)."""

from __future__ import annotations

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).parent
ONTOLOGY_TTL = ONTOLOGY_DIR / "scholarkg.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"
TAXONOMY_TSV = ONTOLOGY_DIR / "arxiv-taxonomy.tsv"
TAXONOMY_TTL = ONTOLOGY_DIR / "arxiv-taxonomy.ttl"

__all__ = ["ONTOLOGY_DIR", "ONTOLOGY_TTL", "SHAPES_TTL", "TAXONOMY_TSV", "TAXONOMY_TTL"]
