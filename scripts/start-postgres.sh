#!/usr/bin/env bash
# Starts the Debian PostgreSQL cluster on loopback and creates the role and database the ledger
# tests use. Idempotent. Prints the URL to export as ESIGN_TEST_POSTGRES_URL.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p 5432
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'esign') THEN
    CREATE ROLE esign LOGIN CREATEDB PASSWORD 'esign-test';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'esign_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O esign esign_test"
echo "postgres://esign:esign-test@127.0.0.1:5432/esign_test"
