"""The browser UI against a live server: headless Chromium (Selenium + chromedriver) for the YASGUI editor,
plain HTTP for the pages that must work without JavaScript.

The browser tests are skipped only when Debian's `chromium` / `chromedriver` are not installed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from scholarkg.queries.catalog import load_catalog
from tests.server_fixtures import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = shutil.which("chromium") is not None and shutil.which("chromedriver") is not None
needs_browser = pytest.mark.skipif(
    not HAVE_BROWSER, reason="Debian packages chromium and chromium-driver are not installed (apt-get install ...)"
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1280,1000",
    # Nothing but 127.0.0.1 resolves, so no packet could leave the machine even if the page tried.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
COUNT_PAPERS = """PREFIX schema: <http://schema.org/>
SELECT (COUNT(DISTINCT ?paper) AS ?papers) WHERE { ?paper a schema:ScholarlyArticle }"""
KURT = "https://w3id.org/scholarkg/id/person/kurt-keutzer-a44af0d84d"
NAMES = """PREFIX schema: <http://schema.org/>
SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name FILTER(STRSTARTS(?name, "Tianlong")) } ORDER BY ?name"""


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not HAVE_BROWSER:
        pytest.skip("Debian packages chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.TemporaryDirectory(prefix="skg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile.name}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # Explicit binary and driver paths: Selenium Manager (which could download drivers) is never consulted.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


def _wait(driver: Any, condition: Any, timeout: float = 20) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _requested_urls(driver: Any) -> set[str]:
    """Every URL the page asked for: the DevTools network log plus the Resource Timing API."""
    urls: set[str] = set(driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"))
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return urls


# Browser-internal pages (the new-tab page, favicons) and inline data are not network requests.
LOCAL_SCHEMES = ("data", "blob", "about", "chrome", "chrome-untrusted", "chrome-extension", "devtools")


def _assert_local(urls: set[str]) -> None:
    remote = sorted(u for u in urls if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).hostname != "127.0.0.1")
    assert not remote, f"requests left 127.0.0.1: {remote}"
    assert any(urlsplit(u).hostname == "127.0.0.1" for u in urls)


def _run_in_yasgui(driver: Any, query: str, *, click: bool) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    driver.execute_script("window.yasgui.getTab().getYasqe().setValue(arguments[0])", query)
    if click:
        driver.find_element(By.CSS_SELECTOR, ".yasqe .yasqe_queryButton").click()
    else:
        driver.execute_script("window.yasgui.getTab().getYasqe().query()")
    header = query.split("SELECT", 1)[1].split("WHERE", 1)[0]

    def table_rows(d: Any) -> list[list[str]] | bool:
        rows = d.execute_script(
            """const table = document.querySelector('.yasr .dataTable');
               if (!table) return null;
               const head = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
               const body = [...table.querySelectorAll('tbody tr')].map(
                 tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));
               return {head, body};"""
        )
        if not rows or not any(column and column in header for column in rows["head"]):
            return False
        return rows["body"]  # type: ignore[no-any-return]

    return _wait(driver, table_rows)  # type: ignore[no-any-return]


@needs_browser
def test_sparql_editor_runs_queries_against_the_local_endpoint(live_server: LiveServer, browser: Any) -> None:
    # populateFromUrl is off: an ?endpoint= in the page URL must neither be used nor requested
    browser.get(f"{live_server.url}/ui/sparql?query=ASK%7B%7D&endpoint=http://remote.example/sparql")
    _wait(browser, lambda d: d.execute_script("return document.documentElement.dataset.yasgui === 'ready'"))
    editor = browser.execute_script("return window.yasgui.getTab().getYasqe().getValue()")
    assert "PREFIX schema: <http://schema.org/>" in editor and "PREFIX skg:" in editor
    assert browser.execute_script("return window.yasgui.getTab().getEndpoint()") == f"{live_server.url}/sparql"
    completers = browser.execute_script("return window.Yasgui.Yasqe.defaults.autocompleters")
    assert completers == ["variables", "prefixes"]

    rows = _run_in_yasgui(browser, COUNT_PAPERS, click=True)
    assert len(rows) == 1
    assert "177" in rows[0], rows  # a plain number, not "177"^^xsd:integer
    rows = _run_in_yasgui(browser, NAMES, click=False)
    assert any("Tianlong Chen" in cell for row in rows for cell in row)

    _assert_local(_requested_urls(browser))
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # includes Content-Security-Policy violations and script errors


@needs_browser
def test_yasgui_table_links_entities_to_this_server(live_server: LiveServer, browser: Any) -> None:
    browser.get(f"{live_server.url}/ui/sparql")
    _wait(browser, lambda d: d.execute_script("return document.documentElement.dataset.yasgui === 'ready'"))
    query = """PREFIX schema: <http://schema.org/>
SELECT ?person ?type ?papers WHERE {
  { SELECT ?person (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
      ?person schema:name "Kurt Keutzer" . ?paper schema:author ?person } GROUP BY ?person }
  BIND(schema:Person AS ?type)
}"""
    rows = _run_in_yasgui(browser, query, click=False)
    assert rows[0][1:] == [KURT, "schema:Person", "61"] or rows[0][1:] == [f"<{KURT}>", "schema:Person", "61"], rows
    links = browser.execute_script(
        "return [...document.querySelectorAll('.yasr .dataTable tbody a.iri')].map(a => [a.textContent, a.href])"
    )
    # The IRI is shown as it is; the link goes to this server's page for it. Other IRIs are left alone.
    assert [KURT, f"{live_server.url}/id/person/kurt-keutzer-a44af0d84d"] in links
    assert ["schema:Person", "http://schema.org/Person"] in links
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


@needs_browser
def test_entity_page_and_search_work_in_the_browser(live_server: LiveServer, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/")
    box = browser.find_element(By.ID, "home-q")
    box.send_keys("keutzer")
    box.submit()
    # The home page may itself link Kurt Keutzer (top authors), so wait for the results page before looking.
    link = _wait(
        browser, lambda d: urlsplit(d.current_url).path == "/search" and d.find_elements(By.LINK_TEXT, "Kurt Keutzer")
    )[0]
    link.click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "svg.network"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Kurt Keutzer")
    assert browser.current_url.startswith(f"{live_server.url}/id/person/")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.network a")) >= 10
    _assert_local(_requested_urls(browser))
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_home_page_lists_stats_search_and_every_canned_query(client: httpx.Client) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.text
    assert "<dt>papers</dt><dd>177</dd>" in page
    assert 'action="/search"' in page and 'href="/ui/sparql"' in page
    for name, stored in load_catalog().items():
        assert f'action="/ui/queries/{name}"' in page
        for param in stored.parameters:
            assert f'name="{param.name}"' in page
    assert 'href="/static/vendor/yasgui/LICENSE"' in page
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_browsers_get_the_home_page_at_sparql(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert "Canned queries" in response.text


def test_search_finds_authors_and_papers_case_insensitively(client: httpx.Client) -> None:
    response = client.get("/search", params={"q": "TIANLONG"})
    assert response.status_code == 200
    assert ">Tianlong Chen</a>" in response.text
    papers = client.get("/search", params={"q": "sparse moe"})
    assert "Sparse MoE as the New Dropout" in papers.text
    assert client.get("/search", params={"q": "x" * 500}).status_code == 422


def test_canned_query_runs_without_javascript(client: httpx.Client) -> None:
    if "coauthors" not in load_catalog():
        pytest.skip("queries/coauthors.rq is not in the catalog")
    response = client.get("/ui/queries/coauthors?author=Tianlong+Chen")
    assert response.status_code == 200, response.text
    page = response.text
    assert '<table class="results">' in page
    table = page[page.index('<table class="results">') :]
    assert table.count("<tr>") > 10
    assert 'href="/id/person/' in table
    assert 'href="/queries/coauthors?author=Tianlong+Chen"' in page


def test_canned_query_form_reports_bad_parameters(client: httpx.Client) -> None:
    catalog = load_catalog()
    assert client.get("/ui/queries/no-such-query").status_code == 404
    if not catalog:
        pytest.skip("no canned queries in the catalog")
    name = next(iter(catalog))
    response = client.get(f"/ui/queries/{name}", params={"not_a_parameter": "1"})
    assert response.status_code == 422
    assert 'class="error"' in response.text and "unknown parameter" in response.text


def test_sparql_editor_page_without_javascript(client: httpx.Client) -> None:
    page = client.get("/ui/sparql").text
    assert '<script src="/static/app.js"' in page and "<script>" not in page  # no inline script
    assert 'action="/sparql" method="post"' in page  # the fallback form
    assert "PREFIX schema: &lt;http://schema.org/&gt;" in page
    assert client.get("/static/app.js").status_code == 200
    assert 'href="/static/vendor/yasgui/LICENSE"' in page


# -- offline API docs ---------------------------------------------------------------------------------
def test_docs_page_is_served_from_this_server_with_the_csp(client: httpx.Client) -> None:
    from scholarkg.api.ui import CSP

    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    page = response.text
    assert '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"' in page
    assert "<script>" not in page and "cdn" not in page.lower() and "https://unpkg" not in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui/VERSION").text.strip() == "swagger-ui-dist@5.35.0"
    assert client.get("/redoc").status_code == 404  # dropped rather than left blank offline


@needs_browser
def test_docs_render_offline_in_the_browser(live_server: LiveServer, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/docs")
    _wait(browser, lambda d: d.execute_script("return document.documentElement.dataset.swagger === 'ready'"))
    operations = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock-summary-path")}
    assert len(operations) >= 10 and {"/sparql", "/export", "/queries/{name}"} <= paths, paths
    assert browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text.startswith("ScholarKG")
    _assert_local(_requested_urls(browser))
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # includes Content-Security-Policy violations and script errors
