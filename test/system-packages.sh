#!/usr/bin/env bash
# Installs the system packages the test suite runs (real servers, not mocks),
# when they are missing. Debian/Ubuntu; needs root or sudo only if something
# is missing. Run by `npm run test:all`.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

if [ -z "${PG_BIN:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi
have redis-server || missing+=(redis-server)
have promtool || missing+=(prometheus)
have prometheus-alertmanager || have alertmanager || missing+=(prometheus-alertmanager)
# The backup collector is tested against the real pgBackRest with a local repository.
have pgbackrest || missing+=(pgbackrest)
# The Grafana app's browser test drives Debian's Chromium (playwright-core downloads nothing).
[ -x /usr/bin/chromium ] || missing+=(chromium)

bash "$(dirname "$0")/install-packages.sh" "system packages" "${missing[@]}"
