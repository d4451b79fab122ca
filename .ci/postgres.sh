#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages when missing and starts a throwaway cluster on
# 127.0.0.1:$TECHMATCH_PG_PORT owned by the `postgres` user. Prints the admin URL on stdout.
# Used by .ci/run; developers can source it too: `export TECHMATCH_TEST_POSTGRES_URL=$(bash .ci/postgres.sh start)`.
# `pause` and `resume` stop and restart a cluster keeping its data (tests/outage.rs). The cluster
# serves TLS with a certificate from a throwaway authority, whose certificate `ca` names.
set -euo pipefail

port="${TECHMATCH_PG_PORT:-55432}"
data_dir="${TECHMATCH_PG_DATA:-/tmp/techmatch-ci-postgres}"

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_if_missing() {
  if [ -z "$(find_bin)" ]; then
    echo "installing postgresql from debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
}

# Server options for pg_ctl: TLS on when the cluster has a certificate (made by `start`).
server_options() {
  local options="-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400"
  if [ -f "$data_dir/server.crt" ]; then
    options="$options -c ssl=on"
  fi
  echo "$options"
}

# A throwaway certificate authority and a server certificate it signs for localhost and
# 127.0.0.1, so that connections can use TLS as they would to a real server (sslmode=require, or
# verify-full against $data_dir/ca.crt). The authority's key is deleted once it has signed.
make_certificate() {
  if ! command -v openssl >/dev/null 2>&1; then
    echo "openssl missing: the test cluster runs without tls" >&2
    return
  fi
  local extensions="$data_dir/server.ext"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$extensions"
  openssl req -new -x509 -days 30 -nodes -subj "/CN=techmatch test ca" \
    -keyout "$data_dir/ca.key" -out "$data_dir/ca.crt" >/dev/null 2>&1
  openssl req -new -nodes -subj "/CN=localhost" \
    -keyout "$data_dir/server.key" -out "$data_dir/server.csr" >/dev/null 2>&1
  openssl x509 -req -days 30 -in "$data_dir/server.csr" -CA "$data_dir/ca.crt" -CAkey "$data_dir/ca.key" \
    -CAcreateserial -extfile "$extensions" -out "$data_dir/server.crt" >/dev/null 2>&1
  rm -f "$data_dir/ca.key" "$data_dir/server.csr" "$data_dir/ca.srl" "$extensions"
  chmod 600 "$data_dir/server.key"
  chmod 644 "$data_dir/server.crt" "$data_dir/ca.crt"
  if [ "$(id -u)" = 0 ]; then chown postgres "$data_dir/server.key" "$data_dir/server.crt"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install_if_missing
  local bin; bin="$(find_bin)"
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home /var/lib/postgresql --shell /bin/sh postgres
  fi
  if ! as_postgres "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
    rm -rf "$data_dir"
    mkdir -p "$data_dir"
    [ "$(id -u)" = 0 ] && chown postgres "$data_dir"
    as_postgres "$bin/initdb" -D "$data_dir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    make_certificate
    # fsync off: these databases are thrown away; it makes CREATE DATABASE per test cheap.
    as_postgres "$bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 -o "$(server_options)" start >&2
    # Only a cluster started here is stopped by `stop`; one already running is left alone.
    touch "$data_dir/.started-by-this-script"
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local bin; bin="$(find_bin)"
  if [ -n "$bin" ] && [ -f "$data_dir/.started-by-this-script" ]; then
    as_postgres "$bin/pg_ctl" -D "$data_dir" -m fast stop >&2 || true
    rm -f "$data_dir/.started-by-this-script"
  fi
}

# The outage test stops a cluster of its own and starts it again with its data kept.
pause() {
  local bin; bin="$(find_bin)"
  as_postgres "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >&2
}

resume() {
  local bin; bin="$(find_bin)"
  as_postgres "$bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 -o "$(server_options)" start >&2
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  ca) echo "$data_dir/ca.crt" ;;
  *) echo "usage: $0 start|stop|pause|resume|ca" >&2; exit 2 ;;
esac
