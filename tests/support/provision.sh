#!/usr/bin/env bash
# Bring up what the test suite needs, or say in one line what is missing (called by `make test`).
#
# - PostgreSQL at 127.0.0.1:5432 (or TEST_POSTGRES_URL's server) and Redis at 127.0.0.1:6379:
#   started when installed and down;
# - nginx (the scale-out tests' site) and Chromium (the browser tests): installed from the
#   distribution when missing and this is root with apt-get;
# otherwise one line names the package to install, and the script exits 1. Never a traceback.
set -uo pipefail

missing=()
say() { printf 'provision: %s\n' "$*"; }

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

apt_install() {  # apt_install PACKAGE...: only as root with apt-get; else false
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    say "installing $*"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } \
        >/dev/null 2>&1
}

# --- PostgreSQL --------------------------------------------------------------------------------
if command -v pg_isready >/dev/null 2>&1; then
    if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
        cluster=$(ls /etc/postgresql 2>/dev/null | head -n 1)
        if [ -n "$cluster" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
            say "starting PostgreSQL $cluster"
            pg_ctlcluster --skip-systemctl-redirect "$cluster" main start >/dev/null 2>&1
            for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
        fi
        pg_isready -h 127.0.0.1 -p 5432 -q || missing+=("a running PostgreSQL server at 127.0.0.1:5432 (package postgresql)")
    fi
else
    missing+=("PostgreSQL (package postgresql; the tests also use its binaries pg_ctl/initdb)")
fi

# --- Redis -------------------------------------------------------------------------------------
if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    :
elif command -v redis-server >/dev/null 2>&1; then
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || missing+=("a running Redis at 127.0.0.1:6379 (package redis-server)")
else
    apt_install redis-server && exec "$0" "$@"
    missing+=("Redis (package redis-server)")
fi

# --- nginx -------------------------------------------------------------------------------------
if ! have nginx; then
    apt_install nginx || missing+=("nginx (package nginx)")
fi

# --- Chromium (the browser tests: rendering, the web view) -------------------------------------
if ! have chromium; then
    apt_install chromium || missing+=("Chromium (package chromium)")
fi
# Chinese text in the browser tests' screenshots (without it, boxes; the tests do not read pixels)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
    apt_install fonts-noto-cjk || say "note: no Chinese font (package fonts-noto-cjk): screenshots will show boxes"
fi

# --- Attachments' text: Word 97-2003 and WPS files (antiword, catdoc), RAR archives (unar) -----
for tool in antiword catdoc unar; do
    if ! have "$tool"; then
        apt_install "$tool" || missing+=("$tool (package $tool; crawler/attachments reads Word 97/WPS and RAR files with it)")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    for m in "${missing[@]}"; do say "missing: $m"; done
    say "install the package(s) named above (as root: apt-get install …), then run make test again"
    exit 1
fi
exit 0
