"""Load scripts for big engines, written next to N-Quads shards (`scholarkg export --split N --for ENGINE`).

- virtuoso: `load-virtuoso.sql` — `ld_dir` + `rdf_loader_run` + `checkpoint`, run with isql as dba;
- oxigraph: `load-oxigraph.sh` — `oxigraph load --location STORE --file …` (offline, before `oxigraph serve`), the
  shards and then the view shards in `view/` when there are any (Oxigraph server's default graph holds the view);
- qlever: `Qleverfile` — one `zcat` input stream per shard (`MULTI_INPUT_JSON`, format `nq`);
- neptune: `neptune-loader.json` (a Neptune bulk loader request) + `load-neptune.sh` (S3 upload, POST /loader).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from scholarkg.loader.shards import SHARD_PATTERN, VIEW_DIR, Manifest

BULK_ENGINES = ("virtuoso", "oxigraph", "qlever", "neptune")
# Triples without a graph (none in a ScholarKG export: every quad is in a named graph) land here in Virtuoso.
VIRTUOSO_FALLBACK_GRAPH = "urn:scholarkg:bulk-default"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def virtuoso_script(directory: Path, manifest: Manifest) -> str:
    where = _sql_string(str(directory) + "/%")
    return f"""-- Bulk-load the ScholarKG shards in {directory} ({manifest.quads} quads, {len(manifest.shards)} files).
-- The folder must be listed in virtuoso.ini's DirsAllowed. Run as dba:
--   isql-vt 127.0.0.1:1111 dba PASSWORD {directory}/load-virtuoso.sql
ld_dir({_sql_string(str(directory))}, {_sql_string(SHARD_PATTERN)}, {_sql_string(VIRTUOSO_FALLBACK_GRAPH)});
rdf_loader_run();
checkpoint;
-- Any row here is a shard that failed to load:
SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE {where} AND ll_error IS NOT NULL;
"""


def oxigraph_script(directory: Path, manifest: Manifest, view: Manifest | None = None) -> str:
    paths = [shard.file for shard in manifest.shards]
    if view is None:
        about = (
            "# No view shards: ScholarKG recomputes the view (the default graph) in one SPARQL Update when it first\n"
            "# opens the server (`rebuild_view`: minutes and GBs of server memory on a big corpus).\n"
        )
    else:
        paths += [f"{VIEW_DIR}/{shard.file}" for shard in view.shards]
        about = (
            f"# With them, the view shards in {VIEW_DIR}/ ({view.quads} default-graph triples; duplicates across\n"
            "# pages collapse as they load): the server starts with its default graph, the deduplicated view that\n"
            "# ScholarKG keeps there, and nothing is recomputed when ScholarKG opens it (no `rebuild_view`).\n"
        )
    files = " \\\n  ".join(f'--file "$here/{path}"' for path in paths)
    return f"""#!/bin/sh
# Bulk-load the ScholarKG shards next to this script ({manifest.quads} quads) into an Oxigraph store, offline
# (stop `oxigraph serve` on that store first; start it again afterwards). Usage: sh load-oxigraph.sh STORE_DIR
{about}# Load into a new, empty store (the view shards are the view of exactly these shards).
# $OXIGRAPH names the binary (default: `oxigraph` from PyPI's `oxigraph` package).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
location=${{1:?usage: load-oxigraph.sh STORE_DIR}}
exec "${{OXIGRAPH:-oxigraph}}" load --location "$location" \\
  {files}
"""


def qleverfile(directory: Path, manifest: Manifest) -> str:
    multi = json.dumps({"cmd": "zcat {}", "format": "nq", "for-each": SHARD_PATTERN, "parallel": "true"})
    files = len(manifest.shards)
    return f"""# Qleverfile for the ScholarKG shards in this folder ({manifest.quads} quads, {files} files).
# Usage (https://github.com/qlever-dev/qlever-control): cd {directory} && qlever index && qlever start
# Then: scholarkg serve --store sparql+http://127.0.0.1:7019/ (QLever's SPARQL Update support is partial).
[data]
NAME = scholarkg
DESCRIPTION = ScholarKG: {manifest.quads} quads in {len(manifest.shards)} N-Quads shards
FORMAT = nq

[index]
INPUT_FILES = {SHARD_PATTERN}
MULTI_INPUT_JSON = {multi}
SETTINGS_JSON = {{ "num-triples-per-batch": 1000000 }}
STXXL_MEMORY = 2G

[server]
PORT = 7019
MEMORY_FOR_QUERIES = 4G
TIMEOUT = 30s

[runtime]
SYSTEM = docker
IMAGE = docker.io/adfreiburg/qlever:latest

[ui]
UI_CONFIG = default
"""


NEPTUNE_PLACEHOLDERS = {"source": "${S3_URI}", "iamRoleArn": "${IAM_ROLE_ARN}", "region": "${REGION}"}


def neptune_request() -> str:
    request = {
        "source": NEPTUNE_PLACEHOLDERS["source"],
        "format": "nquads",
        "iamRoleArn": NEPTUNE_PLACEHOLDERS["iamRoleArn"],
        "region": NEPTUNE_PLACEHOLDERS["region"],
        "failOnError": "TRUE",
        "parallelism": "MEDIUM",
        "queueRequest": "TRUE",
    }
    return json.dumps(request, indent=2) + "\n"


def neptune_script(directory: Path, manifest: Manifest) -> str:
    return f"""#!/bin/sh
# Bulk-load the ScholarKG shards next to this script ({manifest.quads} quads) into Amazon Neptune:
# upload the shards (not the manifest) to S3, then POST neptune-loader.json to the cluster's loader.
# Usage: sh load-neptune.sh https://CLUSTER:8182 s3://BUCKET/PREFIX/ arn:aws:iam::ACCOUNT:role/ROLE REGION
set -eu
here=$(cd "$(dirname "$0")" && pwd)
endpoint=${{1:?endpoint}}; s3_uri=${{2:?s3 uri}}; role=${{3:?iam role arn}}; region=${{4:?region}}
aws s3 cp "$here" "$s3_uri" --recursive --exclude '*' --include {shlex.quote(SHARD_PATTERN)}
sed -e "s|\\${{S3_URI}}|$s3_uri|" -e "s|\\${{IAM_ROLE_ARN}}|$role|" -e "s|\\${{REGION}}|$region|" \\
  "$here/neptune-loader.json" | curl -sS -X POST -H 'Content-Type: application/json' --data-binary @- "$endpoint/loader"
"""


def write_load_script(engine: str, directory: Path, manifest: Manifest, view: Manifest | None = None) -> list[Path]:
    """Write `engine`'s load script(s) into the shard folder; the paths written. `view`: the manifest of the view
    shards in `directory / VIEW_DIR`, loaded by Oxigraph's script only (every other engine's default graph is the
    union of all graphs: loading the view there would state every fact twice)."""
    if view is not None and engine != "oxigraph":
        raise ValueError(f"view shards are for Oxigraph server only, not {engine}")
    directory = directory.resolve()
    files: dict[str, str]
    if engine == "virtuoso":
        files = {"load-virtuoso.sql": virtuoso_script(directory, manifest)}
    elif engine == "oxigraph":
        files = {"load-oxigraph.sh": oxigraph_script(directory, manifest, view)}
    elif engine == "qlever":
        files = {"Qleverfile": qleverfile(directory, manifest)}
    elif engine == "neptune":
        files = {"neptune-loader.json": neptune_request(), "load-neptune.sh": neptune_script(directory, manifest)}
    else:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(BULK_ENGINES)}")
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        if name.endswith(".sh"):
            path.chmod(0o755)
        written.append(path)
    return written
