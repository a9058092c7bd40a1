"""Linked-data entities (`/id/{kind}/{key}`, `/context.jsonld`) against a live server over the seeds.

Content negotiation per Accept case is unit-tested with `api.negotiation`; here: what each representation
contains, the 404/406 errors, and the HTML pages of each kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from markupsafe import escape
from pyoxigraph import RdfFormat, parse
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from scholarkg.loader.identity import Iris
from scholarkg.loader.records import Page
from tests.server_fixtures import LiveServer

BASE = "https://w3id.org/scholarkg/"
SCHEMA = "http://schema.org/"
NAME = "Tianlong Chen"
CLUSTER_003 = "003_9e15f5f7954c11b9.txt"


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


def select(client: httpx.Client, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def local(iri: str) -> str:
    assert iri.startswith(BASE), iri
    return "/" + iri[len(BASE) :]


@pytest.fixture(scope="module")
def person_iri(client: httpx.Client) -> str:
    rows = select(client, f'SELECT ?p WHERE {{ ?p a schema:Person ; schema:name "{NAME}" }}')
    assert len(rows) == 1
    return rows[0]["p"]


@pytest.fixture(scope="module")
def turtle_graph(client: httpx.Client, person_iri: str) -> Graph:
    response = client.get(local(person_iri), headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def test_turtle_describes_the_person_and_their_papers(turtle_graph: Graph, person_iri: str) -> None:
    person = URIRef(person_iri)
    assert (person, URIRef(SCHEMA + "name"), Literal(NAME)) in turtle_graph
    papers = set(turtle_graph.subjects(URIRef(SCHEMA + "author"), person))
    assert len(papers) >= 10
    # labels of linked entities come along: every paper has its title
    assert all(turtle_graph.value(paper, URIRef(SCHEMA + "name")) is not None for paper in papers)


def test_jsonld_is_compacted_with_the_shipped_context(client: httpx.Client, person_iri: str) -> None:
    response = client.get(local(person_iri), headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["vary"] == "Accept"
    document = response.json()
    shipped = client.get("/context.jsonld").json()["@context"]
    assert document["@context"] == shipped
    nodes = document["@graph"]
    person = nodes[0]
    assert person["id"] == person_iri
    assert person["name"] == NAME
    assert person["type"] == "Person"
    assert any(node.get("author") for node in nodes[1:])
    keys = {key for node in nodes for key in node}
    assert not any(key.startswith("http") for key in keys), keys
    # the same triples as the Turtle representation (pyoxigraph reads JSON-LD with the embedded context)
    turtle = client.get(local(person_iri), headers={"Accept": "text/turtle"}).content
    assert set(parse(response.content, RdfFormat.JSON_LD)) == set(parse(turtle, RdfFormat.TURTLE))


def test_ntriples_has_the_same_triples(client: httpx.Client, person_iri: str, turtle_graph: Graph) -> None:
    response = client.get(local(person_iri), headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    triples = list(parse(response.content, RdfFormat.N_TRIPLES))  # type: ignore[arg-type]
    assert len({str(t) for t in triples}) == len(turtle_graph)


def test_rdfxml_has_the_same_triples(client: httpx.Client, person_iri: str, turtle_graph: Graph) -> None:
    response = client.get(local(person_iri), headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rdf+xml; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    assert isomorphic(Graph().parse(data=response.text, format="xml"), turtle_graph)
    by_name = client.get(local(person_iri), params={"format": "rdfxml"})
    assert by_name.status_code == 200 and by_name.content == response.content


def test_html_author_page(client: httpx.Client, person_iri: str) -> None:
    response = client.get(local(person_iri), headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    page = response.text
    top = select(
        client,
        f"""SELECT ?name (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
              ?me schema:name "{NAME}" . ?paper schema:author ?me, ?co . FILTER(?co != ?me) ?co schema:name ?name
            }} GROUP BY ?name ORDER BY DESC(?n) ?name LIMIT 1""",
    )[0]
    assert f"<h1>{NAME}" in page
    assert top["name"] in page
    assert page.count("<svg") == 2  # papers per year + co-author network
    assert "Co-author network" in page and "Papers per year" in page
    assert "h-index" in page  # metrics observed on the profile page
    assert f'<link rel="alternate" type="text/turtle" href="{local(person_iri)}?format=turtle"' in page
    assert '<link rel="alternate" type="application/ld+json"' in page
    assert 'href="/id/paper/' in page and 'href="/id/category/cs.LG"' in page
    assert f'href="{BASE}id/' not in page  # entity links stay on this server


def test_unsupported_accept_is_406_with_the_acceptable_types(client: httpx.Client, person_iri: str) -> None:
    response = client.get(local(person_iri), headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["vary"] == "Accept"
    error = response.json()["error"]
    assert error["code"] == "not-acceptable"
    assert {"text/turtle", "application/ld+json", "application/n-triples", "text/html"} <= set(error["acceptable"])


@pytest.mark.parametrize("path", ["/id/person/no-such-person-0000000000", "/id/no-such-kind/x", "/id/paper/a%20b"])
def test_unknown_entity_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["vary"] == "Accept"
    assert response.json()["error"]["code"] == "not-found"
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("text/html", "text/html"),
    ],
)
def test_every_representation_varies_on_accept(client: httpx.Client, person_iri: str, accept: str, media: str) -> None:
    response = client.get(local(person_iri), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert response.headers["vary"] == "Accept"


def test_format_parameter_overrides_accept(client: httpx.Client, person_iri: str) -> None:
    response = client.get(local(person_iri), params={"format": "turtle"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    bad = client.get(local(person_iri), params={"format": "pdf"})
    assert bad.status_code == 422
    assert bad.json()["error"]["parameter"] == "format"


def test_head_answers_without_a_body(client: httpx.Client, person_iri: str) -> None:
    response = client.head(local(person_iri), headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.content == b""


def test_context_document(client: httpx.Client) -> None:
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["name"] == "schema:name"
    assert context["author"] == {"@id": "schema:author", "@type": "@id"}


def test_paper_page_lists_authors_in_printed_order(client: httpx.Client, seed_pages: dict[str, Page]) -> None:
    page = seed_pages[CLUSTER_003]
    entry = next(
        e
        for e in page.entries
        if e.author_list_complete and sum(1 for a in e.authors if a.homonym) >= 2 and len(e.authors) >= 4
    )
    printed = [a.printed for a in entry.authors]
    assert any(re.search(r" \d{4}$", name) for name in printed)
    paper = Iris(BASE).paper(entry.title)
    response = client.get(local(paper.value), headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    assert str(escape(entry.title)) in html
    section = html[html.index("Authors as listed on each source page") :]
    block = section[section.index(CLUSTER_003) :]
    block = block[: block.index("</ol>")]
    positions = [block.index(f">{escape(name)}</a>") for name in printed]
    assert positions == sorted(positions), printed
    assert "Author list complete" in block
    assert f"{len(printed)} authors stated" in block
    assert "retrieved " in html  # source with its retrieval date


def test_category_page_lists_its_papers(client: httpx.Client) -> None:
    rows = select(
        client,
        "SELECT ?paper ?title WHERE { ?paper schema:about ?c ; schema:name ?title . "
        '?c skos:notation "cs.LG" } ORDER BY ?title',
    )
    assert len(rows) > 10
    response = client.get("/id/category/cs.LG", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    assert "Machine Learning" in html and "<code>cs.LG</code>" in html
    assert f"Papers ({len(rows)})" in html
    for row in rows:
        assert f'href="{local(row["paper"])}"' in html
    assert 'href="/id/archive/cs"' in html  # broader


def test_category_turtle_has_notation(client: httpx.Client) -> None:
    response = client.get("/id/category/cs.LG", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    notation = URIRef("http://www.w3.org/2004/02/skos/core#notation")
    assert (URIRef(f"{BASE}id/category/cs.LG"), notation, Literal("cs.LG")) in graph


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("org", "SELECT ?x WHERE { ?x a schema:Organization } ORDER BY ?x LIMIT 1"),
        ("venue", "SELECT ?x WHERE { ?x a skg:VenueSeries } ORDER BY ?x LIMIT 1"),
        ("venue", "SELECT ?x WHERE { ?x a skg:VenueEdition } ORDER BY ?x LIMIT 1"),
        ("source", "SELECT ?x WHERE { ?x a skg:SourcePage } ORDER BY ?x LIMIT 1"),
        ("entry", "SELECT ?x WHERE { ?x a skg:PageEntry } ORDER BY ?x LIMIT 1"),
        ("authorship", "SELECT ?x WHERE { ?x a skg:Authorship } ORDER BY ?x LIMIT 1"),
        ("observation", "SELECT ?x WHERE { ?x a skg:MetricObservation } ORDER BY ?x LIMIT 1"),
        ("archive", "SELECT ?x WHERE { ?c skos:notation 'cs.LG' ; skos:broader ?x }"),
        ("group", "SELECT ?x WHERE { ?c skos:notation 'cs' ; skos:broader ?x }"),
        ("scheme", "SELECT ?x WHERE { ?x a skos:ConceptScheme }"),
    ],
)
def test_every_kind_has_an_html_page(client: httpx.Client, kind: str, query: str) -> None:
    iri = select(client, query)[0]["x"]
    assert iri.startswith(f"{BASE}id/{kind}/")
    response = client.get(local(iri), headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    assert f"<code>{iri}</code>" in response.text
    assert "Properties" in response.text
    jsonld = client.get(local(iri), headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200
    document = jsonld.json()
    first = document["@graph"][0] if "@graph" in document else document
    assert first["id"] == iri


def test_source_page_lists_entries_in_order(client: httpx.Client, seed_pages: dict[str, Page]) -> None:
    response = client.get(f"/id/source/{CLUSTER_003.removesuffix('.txt')}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    indexes = [int(n) for n in re.findall(r'href="/id/entry/003_9e15f5f7954c11b9\.\d+">(\d+)</a>', response.text)]
    assert indexes == sorted(indexes) and len(indexes) == len(seed_pages[CLUSTER_003].entries)
    assert json.dumps(indexes[:3]) == "[1, 2, 3]"


def test_svg_charts_are_capped_escaped_and_deterministic() -> None:
    from scholarkg.api import svg

    center = svg.Node("c", "Centre <&>")
    ring = [svg.Node(f"n{i}", f"Person {i} & co", f"/id/person/p{i}", weight=40 - i) for i in range(40)]
    edges = [svg.Edge("c", n.key, n.weight) for n in ring] + [svg.Edge("n0", "n1", 3), svg.Edge("n0", "n39", 1)]
    drawn = svg.coauthor_network(center, ring, edges)
    assert drawn == svg.coauthor_network(center, ring, edges)
    assert drawn.count('class="node"') == svg.MAX_NODES - 1 and drawn.count("node center") == 1
    assert drawn.count("<line") == svg.MAX_NODES - 1 + 1  # the edge to n39 (not drawn) is left out
    assert "Centre &lt;&amp;&gt;" in drawn and "Person 3 &amp; co" in drawn and "<&>" not in drawn
    assert 'href="/id/person/p0"' in drawn
    bars = svg.bar_chart(svg.years_series({2020: 2, 2023: 5}), title="Papers <per> year")
    assert bars.count("<rect") == 4  # 2020 … 2023, gaps as zero bars
    assert "Papers &lt;per&gt; year" in bars


@pytest.mark.parametrize(
    "path",
    [
        "/id/person/kurt-keutzer-a44af0d84d",
        "/id/category/cs.LG",
        "/id/archive/cs",
        "/id/source/003_9e15f5f7954c11b9",
        "/search?q=sparse",
        "/ui/queries/coauthors?author=Kurt+Keutzer",
        "/",
    ],
)
def test_html_pages_link_entities_to_this_server(client: httpx.Client, path: str) -> None:
    """Entity IRIs stay `https://w3id.org/scholarkg/id/…` as text, but every link goes to the local `/id/…`."""
    page = client.get(path, headers={"Accept": "text/html"}).text
    hrefs = re.findall(r'href="([^"]*)"', page) + re.findall(r'xlink:href="([^"]*)"', page)
    assert not [h for h in hrefs if h.startswith("https://w3id.org/scholarkg/id/")]
    assert sum(h.startswith("/id/") for h in hrefs) >= 5


# -- what the paper and person pages show -----------------------------------------------------------------
RADIAL = "Radial Attention: $\\mathcal{O}(n\\log n)$ Sparse Attention with Energy Decay for Long Video Generation"
TRAIN_BIG = "Train Big, Then Compress: Rethinking Model Size for Efficient Training and Inference of Transformers"


def _paper_page(client: httpx.Client, title: str) -> str:
    response = client.get(local(Iris(BASE).paper(title).value), headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def test_latex_in_a_title_is_rendered_and_kept_as_printed(client: httpx.Client) -> None:
    page = _paper_page(client, RADIAL)
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert heading.startswith('<h1>Radial Attention: <span class="tex" title="$\\mathcal{O}(n\\log n)$"><math')
    assert "&#x1D4AA;" in heading and "$" not in heading.split("title=", 1)[1].split(">", 1)[1]
    assert f'<code class="tex-source">{escape(RADIAL)}</code>' in page  # the literal, as printed
    turtle = client.get(local(Iris(BASE).paper(RADIAL).value), headers={"Accept": "text/turtle"}).text
    assert (URIRef(Iris(BASE).paper(RADIAL).value), URIRef("http://schema.org/name"), Literal(RADIAL)) in Graph().parse(
        data=turtle, format="turtle"
    )


def test_paper_page_shows_the_abstract_once(client: httpx.Client) -> None:
    page = _paper_page(client, RADIAL)
    assert page.count("we identify a phenomenon we term Spatiotemporal Energy Decay") == 1
    assert page.count('class="abstract"') == 1


def test_homonym_number_is_shown_alike_in_every_list_of_the_paper_page(client: httpx.Client) -> None:
    page = _paper_page(client, TRAIN_BIG)
    sheng = "/id/person/sheng-shen-0001-"
    texts = re.findall(rf'<a href="{sheng}[0-9a-f]+">([^<]*)</a>', page)
    assert len(texts) == 3 and set(texts) == {"Sheng Shen 0001"}  # as printed, known authors, properties


def test_person_page_network_nodes_link_to_people(client: httpx.Client, person_iri: str) -> None:
    page = client.get(local(person_iri), headers={"Accept": "text/html"}).text
    network = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart network"') :]
    network = network[: network.index("</svg>") + 6]
    links = re.findall(r'<a href="(/id/person/[^"]+)"><circle', network)
    assert len(links) == 30 and len(set(links)) == 30  # the person and the 29 most frequent co-authors
    assert network.count("<text") == 30  # every node labelled (the labels are placed without collisions)
