#!/usr/bin/env bash
# Backup and point-in-time-restore drill, on a scratch cluster of its own (never the
# centre's server): the commands of docs/operations.md, "Backup and point-in-time
# restore", run as written with PGDATA, ARCHIVE and BACKUP under a scratch directory.
# Needs root (the server runs as the postgres OS user) and PostgreSQL 15's binaries.
#   sudo scripts/pitr_drill.sh        # prints each step; exit 0 when the restore is right
set -euo pipefail
PG=/usr/lib/postgresql/15/bin
PORT=${DRILL_PORT:-5439}
SCRATCH=$(mktemp -d /tmp/cts-pitr-XXXXXX)
chown postgres:postgres "$SCRATCH"
export PGDATA=$SCRATCH/data ARCHIVE=$SCRATCH/wal BACKUP=$SCRATCH/base
as_pg() { runuser -u postgres -- "$@"; }
psql_() { as_pg $PG/psql -h 127.0.0.1 -p "$PORT" -U postgres -d drill -Atqc "$1"; }
cleanup() {
  as_pg $PG/pg_ctl -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "a primary with WAL archiving (the three postgresql.conf lines of the guide)"
as_pg $PG/initdb -D "$PGDATA" -U postgres -A trust --no-sync >/dev/null
as_pg mkdir -p "$ARCHIVE"
cat >>"$PGDATA/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SCRATCH'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'
CONF
as_pg $PG/pg_ctl -D "$PGDATA" -l "$SCRATCH/primary.log" -w start >/dev/null
as_pg $PG/createdb -h 127.0.0.1 -p "$PORT" -U postgres drill
psql_ "CREATE TABLE complaint (id bigserial PRIMARY KEY, note text NOT NULL)"
psql_ "INSERT INTO complaint (note) SELECT 'before backup ' || g FROM generate_series(1, 1000) g"

step "the nightly base backup"
as_pg $PG/pg_basebackup -h 127.0.0.1 -p "$PORT" -U postgres -D "$BACKUP" -Fp -X stream -c fast
as_pg $PG/pg_verifybackup "$BACKUP"

step "a day's work after the backup, then the mistake"
psql_ "INSERT INTO complaint (note) SELECT 'after backup ' || g FROM generate_series(1, 500) g"
sleep 1
TARGET=$(psql_ "SELECT now()")
sleep 1
psql_ "DELETE FROM complaint"   # the accident the restore undoes
psql_ "SELECT pg_switch_wal()" >/dev/null
as_pg $PG/psql -h 127.0.0.1 -p "$PORT" -U postgres -d drill -Atqc "CHECKPOINT"
for _ in $(seq 1 30); do
  [ "$(psql_ "SELECT last_archived_wal IS NOT NULL FROM pg_stat_archiver")" = t ] && break; sleep 1
done
echo "restore target: $TARGET; rows now: $(psql_ 'SELECT count(*) FROM complaint')"

step "restore: stop, put the base backup in place, replay the archive up to the target"
as_pg $PG/pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
mv "$PGDATA" "$PGDATA.broken"
as_pg cp -a "$BACKUP" "$PGDATA"
cat >>"$PGDATA/postgresql.auto.conf" <<CONF
restore_command = 'cp $ARCHIVE/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
as_pg touch "$PGDATA/recovery.signal"
as_pg $PG/pg_ctl -D "$PGDATA" -l "$SCRATCH/restore.log" -w -t 120 start >/dev/null
for _ in $(seq 1 60); do
  [ "$(psql_ "SELECT pg_is_in_recovery()")" = f ] && break; sleep 1
done

ROWS=$(psql_ "SELECT count(*) FROM complaint")
echo "rows after the restore: $ROWS (expected 1500)"
[ "$ROWS" = 1500 ] || { tail -20 "$SCRATCH/restore.log"; exit 1; }
echo "PITR drill passed"
