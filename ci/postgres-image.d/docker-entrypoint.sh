#!/bin/sh
# Entrypoint of the image ci/postgres-image builds: what the official postgres image's entrypoint
# does, for the parts pg-invariants and its users rely on. When the data directory is empty,
# `initdb` (as the non-root postgres user), a `host all all all <method>` line in pg_hba.conf,
# POSTGRES_DB and /docker-entrypoint-initdb.d/*.sql|*.sh through a temporary socket-only server;
# then `exec postgres`, listening on all interfaces, with the container's arguments.
set -eu

# `docker run IMAGE -c fsync=off`: options alone mean "the server, with these options".
if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi
shift

# PostgreSQL refuses to run as root; `docker run --user root` gets the postgres user anyway.
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=postgres --regid=postgres --clear-groups "$0" postgres "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
password=${POSTGRES_PASSWORD:-}
auth=${POSTGRES_HOST_AUTH_METHOD:-}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$password" ] && [ "$auth" != trust ]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       Or allow connections without a password with POSTGRES_HOST_AUTH_METHOD=trust.
MSG
    exit 1
  fi
  [ -n "$auth" ] || auth=scram-sha-256

  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile=
  if [ -n "$password" ]; then
    pwfile=$(dirname "$PGDATA")/.pwfile.$$
    (umask 077 && printf '%s\n' "$password" > "$pwfile")
  fi
  # Locale-less (the image carries no locales); POSTGRES_INITDB_ARGS come last and win.
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} -D "$PGDATA" \
    --encoding=UTF8 --locale=C ${POSTGRES_INITDB_ARGS:-}
  [ -z "$pwfile" ] || rm -f "$pwfile"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

  scripts=$(ls /docker-entrypoint-initdb.d 2>/dev/null || true)
  if [ "$POSTGRES_DB" != postgres ] || [ -n "$scripts" ]; then
    # Like the official image: a temporary server on the socket only, so nobody connects
    # before initialisation is over; then the real server starts (the "restart" clients see).
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    export PGUSER="$POSTGRES_USER" PGPASSWORD="$password"
    if [ "$POSTGRES_DB" != postgres ]; then
      # Through stdin: psql interpolates :"db" (quoted as an identifier) only there.
      echo 'CREATE DATABASE :"db";' |
        psql -v ON_ERROR_STOP=1 --no-password --dbname postgres --set db="$POSTGRES_DB"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) echo "running $f"; . "$f" ;;
        *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --no-password --dbname "$POSTGRES_DB" -f "$f" ;;
        *) [ ! -e "$f" ] || echo "ignoring $f" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGUSER PGPASSWORD
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi

exec postgres "$@"
