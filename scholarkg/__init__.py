"""ScholarKG: scraped scholarly pages → an RDF knowledge graph served over SPARQL 1.1.

The repository keeps the design card's folders at its root (``ontology/ loader/ api/ queries/ seeds/``);
``pyproject.toml`` installs them as subpackages of this one namespace (``scholarkg.loader`` …) through
setuptools' ``package-dir`` mapping, so nothing is installed as a top-level ``api`` or ``queries``.
"""

__version__ = "0.1.0"
