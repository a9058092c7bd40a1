"""The JSON resources (/authors, /papers, /categories, /organizations) against a live server over the seeds."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.server_fixtures import LiveServer, live_server  # noqa: F401

BASE = "https://w3id.org/scholarkg/"
KEUTZER = "kurt-keutzer-a44af0d84d"
TIANLONG_CHEN = "tianlong-chen-a0faedb9a1"
LAMB = "large-batch-optimization-for-deep-learning-training-bert-in-a5caf378a4"
L2O = "symbolic-learning-to-optimize-towards-interpretability-and-s-ff08c978fe"
PEELING = "peeling-the-onion-hierarchical-reduction-of-data-redundancy-c02e04058c"


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:  # noqa: F811
    with live_server.client() as c:
        yield c


def get_ok(client: httpx.Client, path: str, **params: object) -> dict[str, object]:
    response = client.get(path, params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, object] = response.json()
    return body


# -- /authors -------------------------------------------------------------------------------------
def test_author_search_finds_keutzer_with_his_papers(client: httpx.Client) -> None:
    page = get_ok(client, "/authors", q="keutzer")
    assert page == {
        "items": [
            {
                "id": f"{BASE}id/person/{KEUTZER}",
                "path": f"/id/person/{KEUTZER}",
                "name": "Kurt Keutzer",
                "homonym": None,
                "papers": 61,
            }
        ],
        "total": 1,
        "limit": 50,
        "offset": 0,
        "next": None,
    }


def test_author_search_is_case_insensitive_and_shows_homonyms(client: httpx.Client) -> None:
    assert get_ok(client, "/authors", q="KEUTZER")["total"] == 1
    items = get_ok(client, "/authors", q="yang you")["items"]
    assert {"name": "Yang You", "homonym": "0001"} in [{"name": i["name"], "homonym": i["homonym"]} for i in items]  # type: ignore[index, union-attr]


def test_author_search_without_match_is_an_empty_page(client: httpx.Client) -> None:
    assert get_ok(client, "/authors", q="no such author xyz") == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
        "next": None,
    }


def test_author_pages_follow_next_links_to_the_end(client: httpx.Client) -> None:
    first = get_ok(client, "/authors", limit=200)
    assert first["total"] == 342 and len(first["items"]) == 200  # type: ignore[arg-type]
    assert first["next"] == f"{client.base_url}/authors?limit=200&offset=200"
    second = client.get(str(first["next"])).json()
    assert len(second["items"]) == 142 and second["offset"] == 200 and second["next"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]  # type: ignore[operator]
    assert len(set(ids)) == 342  # no author twice, none skipped


def test_author_page_window(client: httpx.Client) -> None:
    everyone = get_ok(client, "/authors", limit=10)["items"]
    window = get_ok(client, "/authors", limit=2, offset=1)
    assert window["items"] == everyone[1:3]  # type: ignore[index]
    assert window["next"] == f"{client.base_url}/authors?limit=2&offset=3"
    last = get_ok(client, "/authors", limit=2, offset=340)
    assert len(last["items"]) == 2 and last["next"] is None  # type: ignore[arg-type]
    beyond = get_ok(client, "/authors", offset=1000)
    assert beyond["items"] == [] and beyond["total"] == 342 and beyond["next"] is None


def test_next_link_keeps_the_filters(client: httpx.Client) -> None:
    page = get_ok(client, "/papers", category="LG", limit=10)
    assert page["total"] == 38
    assert page["next"] == f"{client.base_url}/papers?category=LG&limit=10&offset=10"


# -- /authors/{key} -------------------------------------------------------------------------------
def test_author_detail_keutzer(client: httpx.Client) -> None:
    author = get_ok(client, f"/authors/{KEUTZER}")
    assert author["id"] == f"{BASE}id/person/{KEUTZER}"
    assert author["path"] == f"/id/person/{KEUTZER}"
    assert author["name"] == "Kurt Keutzer" and author["homonym"] is None
    papers = author["papers"]
    assert isinstance(papers, list) and len(papers) == 61
    lamb = next(p for p in papers if p["id"] == f"{BASE}id/paper/{LAMB}")
    assert lamb == {
        "id": f"{BASE}id/paper/{LAMB}",
        "path": f"/id/paper/{LAMB}",
        "title": "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
        "date": "2020",
        "position": None,  # the page cut the author list after 8 names; Keutzer is not among them
        "venue": {
            "id": f"{BASE}id/venue/iclr-2020-e02569e5b2",
            "path": "/id/venue/iclr-2020-e02569e5b2",
            "name": "ICLR 2020",
        },
        "categories": [],
    }
    years = author["papers_per_year"]
    assert isinstance(years, list) and sum(y["papers"] for y in years) == 61
    assert years[0] == {"year": 2008, "papers": 1} and years[-1] == {"year": 2025, "papers": 15}
    assert [p["file_name"] for p in author["profile_pages"]] == ["003_9e15f5f7954c11b9.txt"]  # type: ignore[attr-defined]
    coauthors = author["coauthors"]
    assert isinstance(coauthors, list)
    assert coauthors[0] == {
        "id": f"{BASE}id/person/amir-gholami-eb10293cab",
        "path": "/id/person/amir-gholami-eb10293cab",
        "name": "Amir Gholami",
        "homonym": None,
        "papers": 19,
    }
    assert coauthors[1]["name"] == "Michael W. Mahoney" and coauthors[1]["papers"] == 14
    assert all(c["id"] != author["id"] for c in coauthors)
    assert author["metrics"] == []  # an author-cluster page shows no metrics


def test_author_detail_with_metrics_and_categories(client: httpx.Client) -> None:
    author = get_ok(client, f"/authors/{TIANLONG_CHEN}")
    assert author["primary_category"] == {
        "id": f"{BASE}id/category/cs.LG",
        "path": "/id/category/cs.LG",
        "notation": "cs.LG",
        "label": "Machine Learning",
    }
    metrics = {m["metric"]: m for m in author["metrics"]}  # type: ignore[attr-defined]
    assert {name: m["value"] for name, m in metrics.items()} == {
        "hIndex": 73,
        "paperCount": 247,
        "citationCount": 13529,
        "noveltyPercent": 55,
        "aiScore": 67,
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", metrics["hIndex"]["date"])  # the retrieval date the server loaded with
    assert metrics["hIndex"]["source"] == f"{BASE}id/source/004_4c6bd25234ecab12"
    assert metrics["hIndex"]["property"] == "https://w3id.org/scholarkg/ontology#hIndex"
    assert metrics["hIndex"]["label"] == "h-index"
    categories = author["categories"]
    assert isinstance(categories, list)
    assert [(c["notation"], c["papers"]) for c in categories[:3]] == [("cs.LG", 29), ("cs.CV", 16), ("cs.AI", 2)]
    assert len(author["papers"]) == 50  # type: ignore[arg-type]
    l2o = next(p for p in author["papers"] if p["id"].endswith(L2O))  # type: ignore[attr-defined]
    assert l2o["position"] == 2 and l2o["date"] == "2022-03-13"
    assert [c["notation"] for c in l2o["categories"]] == ["cs.LG"] and l2o["venue"] is None
    assert author["papers_per_year"] == [
        {"year": 2022, "papers": 27},
        {"year": 2023, "papers": 13},
        {"year": 2024, "papers": 3},
        {"year": 2026, "papers": 7},
    ]
    (profile,) = author["profile_pages"]  # type: ignore[misc]
    assert profile["id"] == f"{BASE}id/source/004_4c6bd25234ecab12" and profile["page_format"] == "author-profile"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", profile["retrieved_on"])


def test_unknown_author_is_404_in_the_error_shape(client: httpx.Client) -> None:
    for key in ("nobody-0000000000", "a b", "%3E"):
        response = client.get(f"/authors/{key}")
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["status"] == 404 and error["code"] == "not-found" and "author" in error["message"]


# -- /papers --------------------------------------------------------------------------------------
def test_papers_total_and_order(client: httpx.Client) -> None:
    page = get_ok(client, "/papers", limit=5)
    assert page["total"] == 177
    dates = [i["date"] for i in page["items"]]  # type: ignore[attr-defined]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(("category", "total"), [("quant-ph", 1), ("cs.LG", 38), ("LG", 38), ("cv", 23)])
def test_papers_by_category(client: httpx.Client, category: str, total: int) -> None:
    page = get_ok(client, "/papers", category=category, limit=200)
    assert page["total"] == total == len(page["items"])  # type: ignore[arg-type]


def test_quantum_paper_listing(client: httpx.Client) -> None:
    items = get_ok(client, "/papers", category="quant-ph")["items"]
    assert items == [
        {
            "id": f"{BASE}id/paper/quangcn-noise-adaptive-training-for-robust-quantum-graph-con-23ad1689cb",
            "path": "/id/paper/quangcn-noise-adaptive-training-for-robust-quantum-graph-con-23ad1689cb",
            "title": "QuanGCN: Noise-Adaptive Training for Robust Quantum Graph Convolutional Networks",
            "date": "2022-11-09",
            "authors": 4,
            "categories": ["quant-ph"],
        }
    ]


def test_papers_by_year_including_year_only_dates(client: httpx.Client) -> None:
    page = get_ok(client, "/papers", year=2008)
    assert page["total"] == 1
    (paper,) = page["items"]  # type: ignore[misc]
    assert paper["title"] == "Fast support vector machine training and classification on graphics processors"
    assert paper["date"] == "2008"
    assert get_ok(client, "/papers", year=2022)["total"] == 45
    assert get_ok(client, "/papers", year=1999)["total"] == 0


def test_papers_filters_combine(client: httpx.Client) -> None:
    assert get_ok(client, "/papers", category="cs.LG", year=2022)["total"] == 17
    page = get_ok(client, "/papers", q="ONION", category="cs.CV")
    assert [i["id"] for i in page["items"]] == [f"{BASE}id/paper/{PEELING}"]  # type: ignore[attr-defined]
    assert get_ok(client, "/papers", q="onion", category="cs.LG")["total"] == 0


def test_plain_search_pages_read_only_their_own_hits(client: httpx.Client) -> None:
    """`/papers?q=` without filters reads only the page's hits (api/pagination.py `hits_page`): paging through
    gives exactly the one-page answer, in rank order, each paper once (several dates: the latest)."""
    whole = get_ok(client, "/papers", q="learning", limit=200)
    items = whole["items"]
    assert isinstance(items, list) and whole["total"] == len(items) > 6 and whole["next"] is None
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids)
    paged: list[object] = []
    offset = 0
    while True:
        page = get_ok(client, "/papers", q="learning", limit=3, offset=offset)
        assert page["total"] == whole["total"]
        paged += page["items"]  # type: ignore[arg-type]
        if page["next"] is None:
            break
        offset += 3
        assert f"offset={offset}" in str(page["next"])
    assert paged == items
    assert get_ok(client, "/papers", q="learning", offset=whole["total"])["items"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"year": "abc"}, "year"),
        ({"category": "not-a-category"}, "category"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: httpx.Client, params: dict[str, object], parameter: str
) -> None:
    response = client.get("/papers", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["status"] == 422 and error["code"] == "bad-parameter" and error["parameter"] == parameter
    assert error["message"]


def test_limit_zero_on_authors_names_limit(client: httpx.Client) -> None:
    response = client.get("/authors", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["parameter"] == "limit"


# -- /papers/{key} --------------------------------------------------------------------------------
def test_paper_detail_with_venue_and_printed_authors(client: httpx.Client) -> None:
    paper = get_ok(client, f"/papers/{LAMB}")
    assert paper["title"] == "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"
    assert paper["date"] == "2020" and paper["publication_type"] == "Conference Paper"
    assert str(paper["abstract"]).startswith("Training large deep neural networks")
    assert paper["venue"] == {
        "id": f"{BASE}id/venue/iclr-2020-e02569e5b2",
        "path": "/id/venue/iclr-2020-e02569e5b2",
        "name": "ICLR 2020",
        "year": "2020",
        "series": f"{BASE}id/venue/iclr-0811138fc6",
        "series_name": "ICLR",
        "venue_type": "Conference",
    }
    (listing,) = paper["authors"]  # type: ignore[misc]
    assert listing["source"]["file_name"] == "003_9e15f5f7954c11b9.txt"
    assert listing["source"]["page_format"] == "author-cluster"
    assert listing["complete"] is False
    assert listing["entry_index"] == 46 and listing["source"]["retrieved_on"] is not None
    printed = [(a["position"], a["printed_name"], a["name"]) for a in listing["authors"]]
    assert printed[0] == (1, "Yang You 0001", "Yang You")
    assert printed[-1] == (8, "James Demmel", "James Demmel")
    assert [p for p, _, _ in printed] == list(range(1, 9))
    assert listing["authors"][0]["person"] == {
        "id": f"{BASE}id/person/yang-you-0001-52bb0b16cb",
        "path": "/id/person/yang-you-0001-52bb0b16cb",
    }
    known = [a["name"] for a in paper["known_authors"]]  # type: ignore[attr-defined]
    assert len(known) == 9 and "Kurt Keutzer" in known  # the 8 printed names and the cluster's own author
    assert paper["sources"] == [
        {
            "id": f"{BASE}id/source/003_9e15f5f7954c11b9",
            "path": "/id/source/003_9e15f5f7954c11b9",
            "file_name": "003_9e15f5f7954c11b9.txt",
            "page_format": "author-cluster",
        }
    ]


def test_paper_detail_with_code_categories_and_organizations(client: httpx.Client) -> None:
    l2o = get_ok(client, f"/papers/{L2O}")
    assert l2o["code_repositories"] == ["https://github.com/VITA-Group/Symbolic-Learning-To-Optimize"]
    assert l2o["has_code"] is True and l2o["venue"] is None
    assert [c["notation"] for c in l2o["categories"]] == ["cs.LG"]  # type: ignore[attr-defined]
    assert [a["printed_name"] for a in l2o["authors"][0]["authors"]] == [  # type: ignore[index]
        "Wenqing Zheng",
        "Tianlong Chen",
        "Ting-Kuei Hu",
    ]
    peeling = get_ok(client, f"/papers/{PEELING}")
    assert [o["identifier"] for o in peeling["organizations"]] == ["harvard", "meta-ai"]  # type: ignore[attr-defined]
    assert peeling["organizations"][0]["path"] == "/id/org/harvard"  # type: ignore[index]


def test_unknown_paper_is_404(client: httpx.Client) -> None:
    response = client.get("/papers/no-such-paper-0000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not-found"


# -- /categories, /organizations ------------------------------------------------------------------
def test_categories_in_use_with_counts(client: httpx.Client) -> None:
    page = get_ok(client, "/categories")
    assert page["total"] == 9
    items = page["items"]
    assert isinstance(items, list)
    assert items[0] == {
        "id": f"{BASE}id/category/cs.LG",
        "path": "/id/category/cs.LG",
        "notation": "cs.LG",
        "label": "Machine Learning",
        "papers": 38,
    }
    assert {i["notation"]: i["papers"] for i in items} == {
        "cs.LG": 38,
        "cs.CV": 23,
        "cs.CL": 3,
        "cs.AI": 2,
        "cs.CR": 1,
        "cs.IR": 1,
        "cs.SE": 1,
        "eess.SP": 1,
        "quant-ph": 1,
    }
    assert get_ok(client, "/categories", limit=2, offset=8)["items"] == items[8:]


def test_organizations_with_counts(client: httpx.Client) -> None:
    page = get_ok(client, "/organizations")
    assert page["total"] == 4 and page["next"] is None
    assert [(i["identifier"], i["papers"]) for i in page["items"]] == [  # type: ignore[attr-defined]
        ("meta-ai", 2),
        ("eth-zurich", 1),
        ("harvard", 1),
        ("ibm-research", 1),
    ]
    assert page["items"][0]["id"] == f"{BASE}id/org/meta-ai"  # type: ignore[index]


def test_openapi_documents_the_response_models(client: httpx.Client) -> None:
    spec = get_ok(client, "/openapi.json")
    paths = spec["paths"]
    assert isinstance(paths, dict)
    for path in ("/authors", "/authors/{key}", "/papers", "/papers/{key}", "/categories", "/organizations"):
        assert path in paths, path
    schemas = spec["components"]["schemas"]  # type: ignore[index]
    for name in ("AuthorDetail", "PaperDetail", "AuthorItem", "PaperItem", "CategoryItem", "OrganizationItem"):
        assert name in schemas, name
    params = {p["name"]: p for p in paths["/papers"]["get"]["parameters"]}
    assert set(params) >= {"q", "category", "year", "limit", "offset"}
    assert params["limit"]["schema"]["maximum"] == 200 and params["limit"]["schema"]["minimum"] == 1
    ok = paths["/authors"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].startswith("#/components/schemas/Page")
