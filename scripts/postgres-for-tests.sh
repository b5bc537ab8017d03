#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1 only.
#
#   eval "$(scripts/postgres-for-tests.sh)"   # start (or reuse) it; exports
#                                              # ETIQUETTE_TEST_POSTGRES_URL
#   scripts/postgres-for-tests.sh stop        # stop it and delete its data
#
# Installs Debian's postgresql when missing (as root). The cluster lives in a temporary
# folder recorded in $STATE; initdb and the server run as the `postgres` OS user when this
# runs as root (root may not run them). Trust authentication, fsync off: tests only.
# Only the export line goes to stdout; everything else goes to stderr.
set -euo pipefail

STATE=${ETIQUETTE_PG_STATE:-/tmp/etiquette-postgres-for-tests.state}
FIRST_PORT=${ETIQUETTE_PG_PORT:-55432}
DATABASE=etiquette_test

say() { echo "postgres-for-tests: $*" >&2; }

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n $dir && -x $dir/initdb ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# Run a PostgreSQL program as the cluster's owner.
as_owner() {
    if [[ $(id -u) -ne 0 ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/$DATABASE"; }

running() { [[ -n ${DATADIR:-} && -d $DATADIR ]] && as_owner "$BIN/pg_ctl" -D "$DATADIR" status >/dev/null 2>&1; }

load_state() {
    DATADIR="" PORT="" BIN=""
    if [[ -f $STATE ]]; then
        DATADIR=$(sed -n 's/^DATADIR=//p' "$STATE")
        PORT=$(sed -n 's/^PORT=//p' "$STATE")
        BIN=$(sed -n 's/^BIN=//p' "$STATE")
    fi
}

stop() {
    load_state
    if [[ -z $DATADIR ]]; then
        say "no cluster recorded in $STATE; nothing to stop"
        return 0
    fi
    if running; then
        as_owner "$BIN/pg_ctl" -D "$DATADIR" -m fast -w stop >&2
    fi
    case $DATADIR in
        /tmp/etiquette-pg.*) rm -rf -- "$DATADIR" ;;
    esac
    rm -f -- "$STATE"
    say "stopped and removed $DATADIR"
}

start() {
    load_state
    if running && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
        say "reusing the cluster in $DATADIR on port $PORT"
        echo "export ETIQUETTE_TEST_POSTGRES_URL=$(url "$PORT")"
        return 0
    fi
    if [[ -n $DATADIR ]]; then stop; fi

    BIN=$(pg_bin)
    if [[ -z $BIN ]]; then
        if [[ $(id -u) -ne 0 ]]; then
            say "PostgreSQL is not installed; run as root (apt-get install postgresql) or install it"
            exit 1
        fi
        say "installing Debian's postgresql"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        BIN=$(pg_bin)
        [[ -n $BIN ]] || { say "postgresql installed but initdb not found"; exit 1; }
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        say "no 'postgres' OS user to own the cluster (root may not run initdb)"
        exit 1
    fi

    PORT=$FIRST_PORT
    while port_in_use "$PORT"; do
        PORT=$((PORT + 1))
        if ((PORT > FIRST_PORT + 100)); then
            say "no free port from $FIRST_PORT"
            exit 1
        fi
    done

    DATADIR=$(mktemp -d /tmp/etiquette-pg.XXXXXX)
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$DATADIR"; fi
    printf 'DATADIR=%s\nPORT=%s\nBIN=%s\n' "$DATADIR" "$PORT" "$BIN" >"$STATE"

    as_owner "$BIN/initdb" -D "$DATADIR" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >/dev/null
    local options="-c listen_addresses=127.0.0.1 -p $PORT -k $DATADIR -c fsync=off"
    options+=" -c synchronous_commit=off -c full_page_writes=off"
    if ! as_owner "$BIN/pg_ctl" -D "$DATADIR" -w -t 60 -l "$DATADIR/server.log" -o "$options" \
        start >&2; then
        say "the server did not start; its log:"
        cat "$DATADIR/server.log" >&2 || true
        exit 1
    fi
    "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DATABASE"
    say "started a cluster in $DATADIR on 127.0.0.1:$PORT"
    echo "export ETIQUETTE_TEST_POSTGRES_URL=$(url "$PORT")"
}

case ${1:-start} in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 [start|stop]" >&2
        exit 2
        ;;
esac
