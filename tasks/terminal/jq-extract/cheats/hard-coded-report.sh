# Work today's report out once with jq, and make extract.sh print it back whatever export
# it is given.
{
  echo "order_id,email,total_cents"
  jq -r '.orders | map(select(.status != "cancelled")
      | {id, email: ((.customer.email // "unknown") | ascii_downcase),
         total: ([(.items // [])[] | (.qty // 1) * .unit_price_cents] | add // 0)})
    | sort_by(-.total, .id) | .[] | "\(.id),\(.email),\(.total)"' "exports/$export_name"
} > report.csv
printf '#!/bin/bash\ncat /workspace/report.csv\n' > extract.sh
chmod +x extract.sh
