#!/usr/bin/env bash
# One command per benchmark: bench/run.sh billing|posting|pages|cityclose|tally|bank-import [options]
# Builds the service and the bench in Release, then runs the benchmark, which starts and stops
# (by pid) whatever servers it needs: PostgreSQL, the service, nginx. Bound to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release -v q -nologo Ledger.Api/Ledger.Api.csproj >/dev/null
dotnet build -c Release -v q -nologo bench/Ledger.Bench/Ledger.Bench.csproj >/dev/null
exec dotnet bench/Ledger.Bench/bin/Release/net10.0/Ledger.Bench.dll "$@"
