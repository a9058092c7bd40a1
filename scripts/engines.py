"""Install, start and stop real SPARQL engines on 127.0.0.1 with their data in a given directory.

    python scripts/engines.py install oxigraph|virtuoso      # pip install oxigraph / apt-get install (root)
    python scripts/engines.py start oxigraph|virtuoso DIR    # starts in the background, prints SCHOLARKG_* env
    python scripts/engines.py stop DIR                       # stops the engine started in DIR

Used by the test fixtures (tests/engines.py) and the benchmarks. Engines:
- Oxigraph server: PyPI `oxigraph` ships the `oxigraph` binary: `oxigraph serve --location DIR --bind HOST:PORT`.
  Endpoints `/query`, `/update`, `/store`; no authentication (bind it to loopback only).
- Virtuoso Open Source 7.2: Debian `virtuoso-opensource-7-bin` (+ `libpcre3`): `virtuoso-t +foreground
  +configfile DIR/virtuoso.ini` with a minimal ini (ports, DirsAllowed, ResultSetMaxRows). SPARQL Update and
  Graph Store writes are granted to one user (`SPARQL_UPDATE` role) who authenticates with HTTP digest on
  `/sparql-auth` and `/sparql-graph-crud-auth`; the anonymous `SPARQL` account stays read-only.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ENGINES = ("oxigraph", "virtuoso")
STATE_FILE = "engine.json"
VIRTUOSO_PACKAGES = ("virtuoso-opensource-7-bin", "libpcre3")
VIRTUOSO_USER = "scholarkg"


class EngineError(RuntimeError):
    """An engine could not be installed, started or stopped."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The `oxigraph` server binary: next to this Python (the venv's bin) or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def isql_binary() -> str | None:
    return shutil.which("isql-vt") or shutil.which("isql")


def binary(engine: str) -> str | None:
    return {"oxigraph": oxigraph_binary, "virtuoso": virtuoso_binary}[engine]()


@dataclass
class EngineServer:
    """A running engine and the settings ScholarKG needs to use it as its store."""

    engine: str
    directory: str
    pid: int
    query_url: str
    update_url: str
    store_url: str
    auth: str = "none"
    user: str = ""
    password: str = ""
    log: str = ""
    sql_port: int = 0
    dba_password: str = ""
    result_max_rows: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> str:
        """The `--store` / SCHOLARKG_STORE value: the query endpoint as `sparql+http://…`."""
        return "sparql+" + self.query_url

    def env(self) -> dict[str, str]:
        """SCHOLARKG_* variables that point ScholarKG at this engine."""
        values = {
            "SCHOLARKG_STORE": self.store,
            "SCHOLARKG_REMOTE_UPDATE_URL": self.update_url,
            "SCHOLARKG_REMOTE_STORE_URL": self.store_url,
            "SCHOLARKG_REMOTE_AUTH": self.auth,
        }
        if self.auth != "none":
            values |= {"SCHOLARKG_REMOTE_USER": self.user, "SCHOLARKG_REMOTE_PASSWORD": self.password}
        return values

    def http_auth(self) -> httpx.Auth | None:
        if self.auth == "digest":
            return httpx.DigestAuth(self.user, self.password)
        if self.auth == "basic":
            return httpx.BasicAuth(self.user, self.password)
        return None

    def isql(self, sql: str, *, timeout: float = 600) -> str:
        """Run SQL on Virtuoso as dba (isql); the output, or EngineError naming the failure."""
        if self.engine != "virtuoso":
            raise EngineError("isql is for Virtuoso only")
        tool = isql_binary()
        if tool is None:
            raise EngineError("isql-vt not found (Debian virtuoso-opensource-7-bin)")
        return _isql(tool, self.sql_port, self.dba_password, sql, timeout=timeout)

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def stop(self, timeout: float = 60) -> None:
        """Stop the engine (SIGTERM, then SIGKILL after `timeout`); waits for it to exit."""
        _terminate(self.pid, timeout)
        state = Path(self.directory) / STATE_FILE
        state.unlink(missing_ok=True)


def _isql(tool: str, port: int, password: str, sql: str, *, timeout: float) -> str:
    command = [tool, f"127.0.0.1:{port}", "dba", password, "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT"]
    script = sql if sql.rstrip().endswith(";") else sql + ";"
    done = subprocess.run(
        command, input=script + "\nEXIT;\n", capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise EngineError(f"isql failed ({done.returncode}): {output.strip()[:2000]}")
    return output


def _terminate(pid: int, timeout: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reap(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    for _ in range(100):
        if _reap(pid):
            return
        time.sleep(0.1)


def _reap(pid: int) -> bool:
    """True once `pid` has exited (reaping it when it is our child)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return False
        del _CHILDREN[pid]
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie that is not our child counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


# Engines started by this process, by pid: kept referenced so they are waited for (not warned about) on stop.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _spawn(command: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    _CHILDREN[process.pid] = process
    return process


def _wait_http(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float, **kwargs: object) -> None:
    """Poll `url` until it answers 200 (bounded by `timeout`); EngineError with the log tail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineError(f"engine exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2, **kwargs).status_code == 200:  # type: ignore[arg-type]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    _terminate(process.pid, 10)
    raise EngineError(f"engine did not answer {url} within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _save(server: EngineServer) -> EngineServer:
    (Path(server.directory) / STATE_FILE).write_text(json.dumps(asdict(server), indent=2))
    return server


def load_state(directory: Path) -> EngineServer:
    state = directory / STATE_FILE
    if not state.is_file():
        raise EngineError(f"no engine was started in {directory} ({STATE_FILE} missing)")
    return EngineServer(**json.loads(state.read_text()))


# -- Oxigraph server -----------------------------------------------------------------------------------
def start_oxigraph(directory: Path, *, port: int | None = None, timeout: float = 60) -> EngineServer:
    """`oxigraph serve --location DIR/data --bind 127.0.0.1:PORT` in the background."""
    tool = oxigraph_binary()
    if tool is None:
        raise EngineError("the oxigraph binary is not installed (pip install oxigraph)")
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = directory / "oxigraph.log"
    command = [tool, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}"]
    process = _spawn(command, log, directory)
    base = f"http://127.0.0.1:{port}"
    _wait_http(process, f"{base}/query?query=ASK%7B%7D", log, timeout)
    return _save(
        EngineServer(
            engine="oxigraph",
            directory=str(directory),
            pid=process.pid,
            query_url=f"{base}/query",
            update_url=f"{base}/update",
            store_url=f"{base}/store",
            log=str(log),
        )
    )


# -- Virtuoso ------------------------------------------------------------------------------------------
def virtuoso_ini(
    directory: Path, *, http_port: int, sql_port: int, dirs_allowed: list[Path], result_max_rows: int
) -> str:
    """A minimal virtuoso.ini: database files in `directory`, ports on loopback, bulk-load dirs allowed."""
    allowed = ", ".join(dict.fromkeys([".", str(directory), *(str(d) for d in dirs_allowed)]))
    d = directory
    return f"""[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = {allowed}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
CheckpointInterval = 60
ThreadsPerQuery = 2
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = 8
ServerThreads = 8

[SPARQL]
ResultSetMaxRows = {result_max_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(
    directory: Path,
    *,
    http_port: int | None = None,
    sql_port: int | None = None,
    dirs_allowed: list[Path] | None = None,
    result_max_rows: int = 10_000,
    timeout: float = 180,
) -> EngineServer:
    """`virtuoso-t +foreground +configfile DIR/virtuoso.ini` in the background, plus a digest user for updates."""
    tool = virtuoso_binary()
    if tool is None:
        raise EngineError("virtuoso-t is not installed (apt-get install virtuoso-opensource-7-bin libpcre3)")
    if isql_binary() is None:
        raise EngineError("isql-vt is not installed (Debian virtuoso-opensource-7-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    http_port = http_port or free_port()
    sql_port = sql_port or free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        virtuoso_ini(
            directory,
            http_port=http_port,
            sql_port=sql_port,
            dirs_allowed=dirs_allowed or [],
            result_max_rows=result_max_rows,
        )
    )
    log = directory / "virtuoso-stdout.log"
    process = _spawn([tool, "+foreground", "+configfile", str(ini)], log, directory)
    base = f"http://127.0.0.1:{http_port}"
    _wait_http(process, f"{base}/sparql?query=ASK%7B%7D", log, timeout)
    server = EngineServer(
        engine="virtuoso",
        directory=str(directory),
        pid=process.pid,
        query_url=f"{base}/sparql",
        update_url=f"{base}/sparql-auth",
        store_url=f"{base}/sparql-graph-crud-auth",
        auth="digest",
        user=VIRTUOSO_USER,
        password=secrets.token_urlsafe(12),
        log=str(log),
        sql_port=sql_port,
        dba_password="dba",
        result_max_rows=result_max_rows,
    )
    try:
        new_dba = secrets.token_urlsafe(12)
        server.isql(
            f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{server.password}');\n"
            f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}";\n'
            f"DB.DBA.USER_CHANGE_PASSWORD('dba', 'dba', '{new_dba}');"
        )
        server.dba_password = new_dba
    except (EngineError, subprocess.TimeoutExpired):
        _terminate(process.pid, 30)
        raise
    return _save(server)


def start(engine: str, directory: Path, **options: object) -> EngineServer:
    if engine == "oxigraph":
        return start_oxigraph(directory, **options)  # type: ignore[arg-type]
    if engine == "virtuoso":
        return start_virtuoso(directory, **options)  # type: ignore[arg-type]
    raise EngineError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def install(engine: str) -> None:
    """Install an engine: `pip install oxigraph` into this Python; apt-get (as root, or sudo -n) for Virtuoso."""
    if engine == "oxigraph":
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "oxigraph>=0.5.13,<0.6"], check=True)
    elif engine == "virtuoso":
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *VIRTUOSO_PACKAGES], check=True, env=env)
    else:
        raise EngineError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def main(argv: list[str]) -> int:
    usage = "usage: engines.py install ENGINE | start ENGINE DIR | stop DIR   (ENGINE: oxigraph, virtuoso)"
    try:
        if len(argv) == 2 and argv[0] == "install":
            install(argv[1])
        elif len(argv) == 3 and argv[0] == "start":
            server = start(argv[1], Path(argv[2]).resolve())
            for key, value in server.env().items():
                print(f"export {key}={value}")
        elif len(argv) == 2 and argv[0] == "stop":
            load_state(Path(argv[1]).resolve()).stop()
        else:
            print(usage, file=sys.stderr)
            return 2
    except (EngineError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
