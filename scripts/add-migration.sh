#!/usr/bin/env bash
# Adds a migration with the same name for both database providers.
# Usage: scripts/add-migration.sh NAME
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh NAME}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for ctx in Sqlite Postgres; do
  dotnet ef migrations add "$name" \
    --project src/Panel.Infrastructure --startup-project src/Panel.Infrastructure \
    --context "${ctx}PanelDbContext" --output-dir "Persistence/$ctx/Migrations"
done
