#!/usr/bin/env bash
# Installs the system packages `npm run bench` needs, when they are missing:
# PostgreSQL's server binaries (the instance under test), openssl (its TLS
# certificate) and Debian's prometheus-postgres-exporter (the comparison).
# Debian/Ubuntu; needs root or sudo only if something is missing. Without
# apt-get it names what to install and fails.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

if [ -z "${PG_BIN:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi
have openssl || missing+=(openssl)
# BENCH_PGEXP_BINARY points at another build of postgres_exporter instead; no package can supply that one.
if [ -n "${BENCH_PGEXP_BINARY:-}" ]; then
  [ -x "$BENCH_PGEXP_BINARY" ] || { echo "BENCH_PGEXP_BINARY=$BENCH_PGEXP_BINARY is not an executable" >&2; exit 1; }
elif [ ! -x /usr/bin/prometheus-postgres-exporter ]; then
  missing+=(prometheus-postgres-exporter)
fi

bash "$(dirname "$0")/../test/install-packages.sh" "bench system packages" "${missing[@]}"
case " ${missing[*]} " in
  *" prometheus-postgres-exporter "*)
    echo "note: Debian may have started the package's own service (:9187); the bench runs its own copies and does not use it" ;;
esac
