"""Federation: every SERVICE call a query makes goes through a local gateway with a time limit and a row cap.

pyoxigraph evaluates `SERVICE <url>` itself (inside a query worker) with no timeout, no cap on what it
fetches, and error messages that may quote the remote body. So, after the guard (`queries/guard.py`) has
allowed the query's targets, `route_services` rewrites each `SERVICE` target to this process's gateway
(`http://127.0.0.1:PORT/service/TOKEN`); the gateway forwards the call to the real endpoint with httpx:

- at most `service_timeout` seconds per call (connect + read), at most `service_max_bytes` read;
- the SPARQL JSON results cut to `service_max_rows` rows (the query's result is then marked truncated);
- a failure (refused, timed out, HTTP error, not SPARQL JSON) is answered to pyoxigraph as an empty 502 and
  recorded, so the engine raises `RemoteServiceError(endpoint, reason)` — the API's 502 names the endpoint
  and a reason of ours, never the remote body. `SERVICE SILENT` keeps SPARQL's meaning (the call yields
  nothing and the query goes on).

`LOAD <url>` in an update is routed the same way: pyoxigraph's LOAD would fetch any host with no limits, so its
target is pointed at the gateway too, which fetches the document itself (`queries/load_documents.py`: the same
per-call time limit and byte cap, redirects followed only to allow-listed URLs, media type → RDF format, parsed
by pyoxigraph) and serves pyoxigraph the parsed triples as N-Triples; pyoxigraph then applies them as the LOAD
(`INTO GRAPH <g>` or the default graph, `SILENT` ignoring a failure), in the update's own transaction and order.

The decision stays with the guard: the gateway re-checks every endpoint against the allow-list before it
sends anything, and a rewritten query must name no endpoint but the gateway (re-read by the guard's parse:
every SERVICE and LOAD target of the rewritten text is a gateway call), else it is refused.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin

import httpx
from pyoxigraph import NamedNode

from scholarkg.queries.guard import ForbiddenServiceError, check_remote_targets, remote_calls
from scholarkg.queries.load_documents import N_TRIPLES, LoadFailed, LoadLimits, fetch_document

log = logging.getLogger(__name__)
RESULTS_JSON = "application/sparql-results+json"
_LEX = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<comment>\#[^\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
    | (?P<word>[A-Za-z_\u00c0-\uffff][\w\u00b7\u00c0-\uffff.-]*(?::[\w\u00b7\u00c0-\uffff.%:\\-]*)?|:[\w.%:\\-]*)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)


class RemoteServiceError(RuntimeError):
    """A SERVICE call or LOAD failed; `endpoint` says which, `reason` how (never the remote body)."""

    def __init__(self, endpoint: str, reason: str, *, load: bool = False) -> None:
        self.endpoint = endpoint
        self.reason = reason
        what = "LOAD of the document" if load else "the SPARQL endpoint"
        super().__init__(f"{what} {endpoint} failed: {reason}")


@dataclass
class _Call:
    endpoint: str
    load: bool = False  # a LOAD's document (fetched by `load_documents`), not a SERVICE endpoint
    silent: bool = False  # SERVICE SILENT / LOAD SILENT: its failure does not fail the query or update
    strict: bool = False  # an update's call: more rows than the cap is a failure (an update never writes a cut result)
    failure: str | None = None
    truncated: bool = False
    replay: bool = False  # remember each answer and give it again when the same query comes back (see `route`)
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    answered_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Routed:
    """A query whose SERVICE targets now point at the gateway; `tokens` name its calls there."""

    text: str
    tokens: list[str] = field(default_factory=list)


def bind_service_variables(text: str, bindings: Mapping[str, object]) -> str:
    """`SERVICE ?v` with `?v` bound to an IRI → `SERVICE <iri>` (written by the term's own serializer), so the
    guard sees and decides on the endpoint. Other variables are left alone (and the guard refuses them)."""
    out: list[str] = []
    last = 0
    tokens = [(m.lastgroup, m) for m in _LEX.finditer(text) if m.lastgroup not in ("string", "comment")]
    for i, (kind, match) in enumerate(tokens):
        if kind != "word" or match.group(0).upper() != "SERVICE":
            continue
        j = i + 1
        if j < len(tokens) and tokens[j][1].group(0).upper() == "SILENT":
            j += 1
        if j < len(tokens) and tokens[j][0] == "var":
            target = tokens[j][1]
            term = bindings.get(target.group(0)[1:])
            if isinstance(term, NamedNode):
                out.append(text[last : target.start()])
                out.append(str(term))
                last = target.end()
    out.append(text[last:])
    return "".join(out)


MAX_SERVICE_VALUES = 1_000  # values a `# service-values` lookup may write into a SERVICE group


def fill_service_values(text: str, name: str, terms: Iterable[NamedNode]) -> str:
    """`text` with each empty `VALUES ?name { }` (strings and comments skipped) holding `terms`, each written by
    its own serializer: a canned query passes locally found IRIs into its SERVICE group, so the remote endpoint
    is asked about those only (not about everything it holds, which the row cap would cut)."""
    data = " ".join(str(NamedNode(term.value)) for term in terms)
    tokens = [m for m in _LEX.finditer(text) if m.lastgroup not in ("string", "comment")]
    out: list[str] = []
    last = 0
    for i in range(len(tokens) - 3):
        keyword, variable, opening, closing = tokens[i : i + 4]
        if (
            keyword.group(0).upper() == "VALUES"
            and variable.lastgroup == "var"
            and variable.group(0)[1:] == name
            and opening.group(0) == "{"
            and closing.group(0) == "}"
        ):
            out.append(text[last : opening.end()])
            out.append(f" {data} ")
            last = closing.start()
    out.append(text[last:])
    return "".join(out)


class ServiceGateway:
    """A loopback HTTP server (threads) that forwards the SERVICE calls of routed queries."""

    def __init__(
        self,
        allowlist: Iterable[object],
        *,
        timeout: float,
        max_rows: int,
        max_bytes: int,
        max_load_triples: int = 2_000_000,
        max_load_term_bytes: int = 200_000_000,
    ) -> None:
        self.allowlist = list(allowlist)
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.load_limits = LoadLimits(timeout, max_bytes, max_load_triples, max_load_term_bytes)
        self._calls: dict[str, _Call] = {}
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(self.path.partition("?")[2]).get("query", [""])[0]
                gateway._serve(self, query)

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 10_000_000)
                body = self.rfile.read(length).decode("utf-8", "replace")
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                query = parse_qs(body).get("query", [""])[0] if kind == "application/x-www-form-urlencoded" else body
                gateway._serve(self, query)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("gateway: " + format, *args)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/service/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="scholarkg-service-gateway", daemon=True
        )
        self._thread.start()

    # -- routing -------------------------------------------------------------------------------------
    def route(self, text: str, *, base_iri: str | None = None, strict: bool = False, replay: bool = False) -> Routed:
        """Point every SERVICE and LOAD target of `text` (already allowed by the guard) at this gateway (the rewrite
        is checked on the guard's parse of the result: see the end); `strict` (for
        updates): a call answering more than `max_rows` rows fails instead of being cut. `replay` (an update that
        runs twice: rehearsed on a copy, then for real — queries/update_rehearsal.py): each call site remembers
        what it answered to each query text (failures too) until `release`, and answers the same query again
        from memory, so the remote endpoint is asked once and both runs see the same data (at most
        `max_bytes` remembered per call site: past that, the call fails rather than ask again)."""
        out: list[str] = []
        routed = Routed(text="")
        last = 0
        prefixes: dict[str, str] = {}
        base = base_iri or ""
        tokens = [(m.lastgroup, m) for m in _LEX.finditer(text) if m.lastgroup not in ("string", "comment")]
        for i, (kind, match) in enumerate(tokens):
            word = match.group(0).upper() if kind == "word" else ""
            if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
                prefixes[tokens[i + 1][1].group(0).rstrip(":")] = urljoin(base, tokens[i + 2][1].group(0)[1:-1])
            elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
                base = urljoin(base, tokens[i + 1][1].group(0)[1:-1])
            elif word in ("SERVICE", "LOAD"):
                j = i + 1
                silent = j < len(tokens) and tokens[j][1].group(0).upper() == "SILENT"
                if silent:
                    j += 1
                if j >= len(tokens):
                    continue
                target_kind, target = tokens[j]
                if target_kind == "iri":
                    endpoint = urljoin(base, target.group(0)[1:-1])
                elif target_kind == "word" and ":" in target.group(0):
                    prefix, _, local = target.group(0).partition(":")
                    if prefix not in prefixes:
                        continue
                    endpoint = prefixes[prefix] + local
                else:
                    continue
                token = secrets.token_hex(12)
                with self._lock:
                    self._calls[token] = _Call(
                        endpoint, load=word == "LOAD", silent=silent, strict=strict, replay=replay
                    )
                routed.tokens.append(token)
                out.append(text[last : target.start()])
                out.append(f"<{self.url}{token}>")
                last = target.end()
        out.append(text[last:])
        routed.text = "".join(out)
        # the guard's parse of the rewritten text must find exactly the gateway calls made, each of its own kind
        with self._lock:
            kinds = {f"{self.url}{t}": "LOAD" if self._calls[t].load else "SERVICE" for t in routed.tokens}
        reached = remote_calls(routed.text)
        if len(reached) != len(routed.tokens) or any(kinds.get(target) != kind for kind, target in reached):
            self.release(routed)
            raise ForbiddenServiceError(
                "a SERVICE or LOAD target could not be routed through the gateway; rewrite the query"
            )
        return routed

    def outcome(self, routed: Routed) -> tuple[_Call | None, bool]:
        """The first failed call of `routed` that is not SILENT (None if none failed), and whether any call was cut."""
        with self._lock:
            calls = [self._calls[t] for t in routed.tokens if t in self._calls]
        failed = next((c for c in calls if c.failure is not None and not c.silent), None)
        return failed, any(c.truncated for c in calls)

    def release(self, routed: Routed) -> None:
        with self._lock:
            for token in routed.tokens:
                self._calls.pop(token, None)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    # -- forwarding ------------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler, query: str) -> None:
        token = handler.path.split("?")[0].rsplit("/", 1)[-1]
        with self._lock:
            call = self._calls.get(token)
        if call is None:
            self._reply(handler, 404, b"")
            return
        if not call.replay:
            self._reply(handler, *self._answer(call, query))
            return
        with call.lock:  # one query at a time per replayed call site: a repeated query is answered from memory
            answer = call.answers.get(query)
            if answer is None:
                answer = self._answer(call, query)
                call.answered_bytes += 0 if call.load else len(answer[1])  # a LOAD: one document, fetched capped
                if call.answered_bytes > self.max_bytes:
                    call.failure = f"its answers to one update are larger than {self.max_bytes} bytes"
                    answer = (502, b"", "text/plain")
                call.answers[query] = answer
        self._reply(handler, *answer)

    def _answer(self, call: _Call, query: str) -> tuple[int, bytes, str]:
        """(status, body, media type) for pyoxigraph: the endpoint's results (a LOAD: the document's triples), or an
        empty 502 (failure recorded)."""
        try:
            if call.load:
                try:
                    return 200, fetch_document(self._client, call.endpoint, self.allowlist, self.load_limits), N_TRIPLES
                except LoadFailed as error:
                    raise _CallFailed(str(error)) from None
            return 200, self._forward(call, query), RESULTS_JSON
        except _CallFailed as failure:
            call.failure = str(failure)
            log.warning("%s %s failed: %s", "LOAD of" if call.load else "SERVICE call to", call.endpoint, failure)
            return 502, b"", "text/plain"

    def _forward(self, call: _Call, query: str) -> bytes:
        try:  # the guard decides again, on the endpoint this call would really reach
            check_remote_targets(f"ASK {{ SERVICE {NamedNode(call.endpoint)} {{ }} }}", self.allowlist)
        except (ForbiddenServiceError, ValueError) as error:
            raise _CallFailed(f"not allowed ({error})") from None
        try:
            with self._client.stream(
                "POST", call.endpoint, data={"query": query}, headers={"Accept": RESULTS_JSON}
            ) as response:
                if response.status_code != 200:
                    raise _CallFailed(f"HTTP {response.status_code}")
                raw = bytearray()
                for chunk in response.iter_bytes():
                    raw.extend(chunk)
                    if len(raw) > self.max_bytes:
                        raise _CallFailed(f"the response is larger than {self.max_bytes} bytes")
        except httpx.TimeoutException:
            raise _CallFailed(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise _CallFailed(f"could not be reached ({type(error).__name__})") from None
        try:
            results = json.loads(raw)
            bindings = results["results"]["bindings"]
            assert isinstance(bindings, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise _CallFailed("the answer is not SPARQL JSON results") from None
        if len(bindings) > self.max_rows:
            if call.strict:
                raise _CallFailed(f"it answered more than {self.max_rows} rows (an update takes no cut result)")
            results["results"]["bindings"] = bindings[: self.max_rows]
            call.truncated = True
        return json.dumps(results).encode()

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, media: str = "text/plain") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", media)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class _CallFailed(Exception):
    pass
