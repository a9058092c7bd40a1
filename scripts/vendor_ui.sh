#!/usr/bin/env bash
# Vendor the YASGUI SPARQL editor (npm package @zazuko/yasgui) as static files
# so the browser UI works fully offline (no CDN at runtime).
#
# Usage: scripts/vendor_ui.sh            (needs node + npm and the npm registry)
#
# What it does, in a throw-away temp dir:
#   1. `npm pack` the PINNED version and check the tarball's sha512 against the
#      pinned integrity string (same value as `npm view PKG@VER dist.integrity`);
#   2. `npm install --no-save --ignore-scripts` of that verified tarball, only to
#      get the licence files of the third-party code that is bundled into it;
#   3. copy into api/static/vendor/yasgui/:
#        yasgui.min.js   UMD bundle (Yasgui + Yasqe + Yasr + deps, self-contained)
#        yasgui.min.css  all styles (Yasgui + Yasqe + Yasr + CodeMirror)
#        LICENSE         MIT notice for YASGUI + notices of every bundled package
#        VERSION         "@zazuko/yasgui@<version>"
#      (plus any local asset the CSS references via url(); 4.6.2 has none.)
#   README.md in that folder is hand-written and is left untouched.
#
# To upgrade: change VERSION and INTEGRITY below, re-run, re-check README.md
# (external hosts / option names) and the headless-browser check it describes.
set -euo pipefail

PKG="@zazuko/yasgui"
VERSION="4.6.2"
INTEGRITY="sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/api/static/vendor/yasgui"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vendor_ui: '$tool' is required" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor_ui.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "vendor_ui: fetching $PKG@$VERSION"
cd "$WORK"
TGZ="$(npm pack --silent "$PKG@$VERSION" | tail -n 1)"
[ -f "$TGZ" ] || { echo "vendor_ui: npm pack produced no tarball" >&2; exit 1; }

GOT="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TGZ")"
if [ "$GOT" != "$INTEGRITY" ]; then
  echo "vendor_ui: integrity mismatch for $TGZ" >&2
  echo "  expected $INTEGRITY" >&2
  echo "  got      $GOT" >&2
  exit 1
fi

mkdir proj
cd proj
printf '{"name":"vendor-ui-tmp","version":"0.0.0","private":true}\n' > package.json
npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
  --loglevel=error "$WORK/$TGZ" >/dev/null
PKGDIR="$WORK/proj/node_modules/$PKG"
BUILD="$PKGDIR/build"

installed="$(node -p 'require(process.argv[1]).version' "$PKGDIR/package.json")"
[ "$installed" = "$VERSION" ] || { echo "vendor_ui: installed $installed, wanted $VERSION" >&2; exit 1; }
for f in yasgui.min.js yasgui.min.css; do
  [ -s "$BUILD/$f" ] || { echo "vendor_ui: $BUILD/$f missing" >&2; exit 1; }
done

# The CSS must not pull anything from elsewhere (fonts, @import ...).
if grep -Eiq '@import|url\([[:space:]]*["'\'']?(https?:)?//' "$BUILD/yasgui.min.css"; then
  echo "vendor_ui: yasgui.min.css references a remote URL/@import; review before vendoring" >&2
  exit 1
fi

# Replace only the files this script manages; keep README.md.
mkdir -p "$DEST"
rm -rf "$DEST/yasgui.min.js" "$DEST/yasgui.min.css" "$DEST/LICENSE" "$DEST/VERSION" "$DEST/assets"
cp "$BUILD/yasgui.min.js" "$BUILD/yasgui.min.css" "$DEST/"

# Local assets referenced by the CSS (url(...) that are not data: URIs).
# Copied with their relative paths so the references keep working.
node - "$BUILD" "$DEST" <<'EOF'
const fs = require("fs"), path = require("path");
const [build, dest] = process.argv.slice(2);
const css = fs.readFileSync(path.join(build, "yasgui.min.css"), "utf8");
const refs = new Set();
for (const m of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
  const ref = m[2].trim();
  if (/^(data:|#)/i.test(ref)) continue;
  refs.add(ref.split(/[?#]/)[0]);
}
for (const ref of refs) {
  const src = path.resolve(build, ref);
  if (!src.startsWith(build + path.sep) || !fs.existsSync(src)) {
    console.error(`vendor_ui: CSS references ${ref}, not found in the package build`);
    process.exit(1);
  }
  const out = path.join(dest, path.relative(build, src));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.copyFileSync(src, out);
  console.log(`vendor_ui: copied CSS asset ${ref}`);
}
EOF

# LICENSE: YASGUI's MIT notice, then every third-party package compiled into
# yasgui.min.js (the list comes from the bundle's own source map).
node - "$WORK/proj/node_modules" "$PKG" "$VERSION" > "$DEST/LICENSE" <<'EOF'
const fs = require("fs"), path = require("path");
const [nm, pkgName, version] = process.argv.slice(2);
const pkgDir = path.join(nm, pkgName);
const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const MIT = (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
const licFiles = (dir) => fs.readdirSync(dir)
  .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f)).sort();
const out = [];
const rule = "=".repeat(78);

const own = licFiles(pkgDir);
out.push(`${pkgName}@${version} (YASGUI: Yasgui, Yasqe, Yasr) -- license: ${pj.license}`);
out.push(`Files: yasgui.min.js, yasgui.min.css`);
out.push(`Homepage: ${pj.homepage || ""}`);
out.push("");
if (own.length) {
  for (const f of own) out.push(fs.readFileSync(path.join(pkgDir, f), "utf8").trimEnd(), "");
} else {
  if (pj.license !== "MIT") { console.error(`unexpected license ${pj.license}`); process.exit(1); }
  const who = [typeof pj.author === "string" ? pj.author : pj.author && pj.author.name,
               ...(pj.contributors || []).map((c) => typeof c === "string" ? c : c.name)]
    .filter(Boolean).join(", ");
  out.push(`(The npm package ships no LICENSE file; its package.json declares "license": "MIT"`,
           ` and the upstream repository states "This code is released under the MIT license".`,
           ` Standard MIT text follows, with the authors named in package.json.)`, "");
  out.push(MIT(`Triply and contributors (${who})`));
}

// Third-party packages compiled into the bundle, taken from the source map.
const map = JSON.parse(fs.readFileSync(path.join(pkgDir, "build", "yasgui.min.js.map"), "utf8"));
const bundled = new Set();
for (const src of map.sources) {
  const i = src.lastIndexOf("node_modules/");
  if (i < 0) continue;
  const parts = src.slice(i + "node_modules/".length).split("/");
  bundled.add(parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]);
}
const findDir = (name) => {
  const top = path.join(nm, name);
  if (fs.existsSync(path.join(top, "package.json"))) return top;
  const stack = [nm];
  while (stack.length) {  // nested node_modules (older/newer duplicate versions)
    const d = stack.pop();
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (e.name === "node_modules" && fs.existsSync(path.join(p, name, "package.json"))) return path.join(p, name);
      if (e.name !== ".bin") stack.push(p);
    }
  }
  return null;
};
out.push(rule, "", "THIRD-PARTY SOFTWARE BUNDLED IN yasgui.min.js / yasgui.min.css", "",
  "The bundle was compiled by the YASGUI authors from the packages below (list taken",
  "from the bundle's source map). Versions are those npm resolved for this package's",
  "dependency ranges when this file was generated; the bundled copy may be a nearby",
  "version of the same package under the same licence.", "");
for (const name of [...bundled].sort()) {
  const dir = findDir(name);
  out.push(rule);
  if (!dir) { out.push(`${name} -- (not found in node_modules; see https://www.npmjs.com/package/${name})`, ""); continue; }
  const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const lic = typeof p.license === "string" ? p.license : (p.license && p.license.type) || "see licence text";
  out.push(`${name}@${p.version} -- license: ${lic}`, "");
  const files = licFiles(dir);
  if (files.length) {
    for (const f of files) out.push(fs.readFileSync(path.join(dir, f), "utf8").trimEnd(), "");
  } else if (lic === "MIT") {
    const who = typeof p.author === "string" ? p.author : (p.author && p.author.name) || `the ${name} authors`;
    out.push(`(no licence file in the package; package.json declares MIT)`, "", MIT(who));
  } else {
    console.error(`vendor_ui: no licence text for ${name} (${lic})`); process.exit(1);
  }
}
process.stdout.write(out.join("\n").replace(/\n*$/, "\n"));
EOF

printf '%s@%s\n' "$PKG" "$VERSION" > "$DEST/VERSION"

# Heads-up for upgrades: the offline set-up in README.md relies on these defaults.
grep -q 'prefixCcApi:null' "$DEST/yasgui.min.js" \
  || echo "vendor_ui: WARNING: Yasqe default prefixCcApi is no longer null; re-check README.md" >&2
grep -q 'lov.linkeddata.es' "$DEST/yasgui.min.js" \
  || echo "vendor_ui: NOTE: LOV autocompleter URL changed; re-check README.md" >&2

echo "vendor_ui: vendored $PKG@$VERSION into ${DEST#"$ROOT"/}:"
(cd "$DEST" && find . -type f | sort | sed 's|^\./|  |' && du -sh . | sed 's/^/  total /')
