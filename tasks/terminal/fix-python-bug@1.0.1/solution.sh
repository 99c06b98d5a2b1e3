# Find the failing tests, read the docstrings, and repair the code they point at.
pkg="$package"
python3 -m pytest -q -p no:cacheprovider tests || true
sed -i 's/ROUND_HALF_EVEN/ROUND_HALF_UP/g' "$pkg/money.py"
sed -i 's/if quantity > minimum:/if quantity >= minimum:/' "$pkg/pricing.py"
sed -i 's/timedelta(days=net_days - 1)/timedelta(days=net_days)/' "$pkg/terms.py"
sed -i 's/return today >= due_date(/return today > due_date(/' "$pkg/terms.py"
sed -i 's/start = page \* per_page/start = (page - 1) * per_page/' "$pkg/statement.py"
sed -i 's|max(1, n_items // per_page)|max(1, -(-n_items // per_page))|' "$pkg/statement.py"
python3 -m pytest -q -p no:cacheprovider tests
