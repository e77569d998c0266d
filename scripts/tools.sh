# shellcheck shell=bash
# Installs what building and testing need, skipping what is already there, so a warm
# run costs a few version checks. Sourced by scripts/serve and scripts/test.
# Nothing here downloads a prebuilt binary: cargo, npm and apt build or install packages.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

# wasm-bindgen's CLI must equal the crate in Cargo.lock, or Trunk goes to the web for it.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_clippy() {
  if ! cargo clippy --version >/dev/null 2>&1; then
    log "adding clippy"
    rustup component add clippy
  fi
  if ! cargo fmt --version >/dev/null 2>&1; then
    log "adding rustfmt"
    rustup component add rustfmt
  fi
}

ensure_trunk() {
  if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
    log "installing trunk $TRUNK_VERSION with cargo (about a quarter of an hour on 2 cores)"
    cargo install --locked "trunk@$TRUNK_VERSION"
  fi
}

ensure_wasm_bindgen() {
  local want; want="$(wasm_bindgen_version)"
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $want" ]]; then return; fi
  log "installing wasm-bindgen-cli $want with cargo"
  # Its own lock names a webpki-roots the registry may not serve: fall back to a fresh resolution.
  cargo install --locked "wasm-bindgen-cli@$want" || cargo install --force "wasm-bindgen-cli@$want"
}

# binaryen (wasm-opt) for Trunk, playwright-core and axe-core for the end-to-end tests.
ensure_node_packages() {
  if [[ ! -f "$ROOT/node_modules/.package-lock.json" || "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]]; then
    log "installing npm packages (binaryen, playwright-core) from package-lock.json"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

ensure_chromium() {
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    log "installing Debian's chromium and chromium-driver"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium chromium-driver
  fi
}

# DuckDB and PySpark (with a Java runtime) for the SQL engine proof, tests/sql/check_sql.py.
PYTHON_PACKAGES=("duckdb==2.0.1" "pyspark==4.3.0")
ensure_python_packages() {
  if ! python3 -c "import duckdb, pyspark" 2>/dev/null; then
    log "installing ${PYTHON_PACKAGES[*]} with pip"
    # A virtualenv or pyenv takes a plain install; a system Python the user's site (Debian
    # marks its Python externally managed, hence the last form).
    python3 -m pip install -q "${PYTHON_PACKAGES[@]}" 2>/dev/null \
      || python3 -m pip install -q --user "${PYTHON_PACKAGES[@]}" 2>/dev/null \
      || python3 -m pip install -q --user --break-system-packages "${PYTHON_PACKAGES[@]}"
  fi
  if ! command -v java >/dev/null; then
    log "installing Debian's openjdk-17-jre-headless for Spark"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q openjdk-17-jre-headless
  fi
}

# PostgreSQL for the same proof: check_sql.py starts a throwaway cluster of Debian's package.
ensure_postgres() {
  if ! command -v initdb >/dev/null && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    log "installing Debian's postgresql"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q postgresql
  fi
}

ensure_build_tools() { ensure_wasm_target; ensure_node_packages; ensure_wasm_bindgen; ensure_trunk; }
ensure_test_tools() { ensure_build_tools; ensure_clippy; ensure_chromium; ensure_python_packages; ensure_postgres; }
