cat > extract.sh <<'SH'
#!/bin/bash
set -euo pipefail
echo "order_id,email,total_cents"
jq -r '
  .orders
  | map(select(.status != "cancelled")
        | {id,
           email: ((.customer.email // "unknown") | ascii_downcase),
           total: ([(.items // [])[] | (.qty // 1) * .unit_price_cents] | add // 0)})
  | sort_by(-.total, .id)
  | .[]
  | "\(.id),\(.email),\(.total)"
' "$1"
SH
chmod +x extract.sh
./extract.sh "exports/$export_name" > report.csv
