import sys
import time

from checks import read

problems = []
if read("/app/report.txt") != read("/opt/stock/expected/report.txt"):
    problems.append("report.txt differs from the expected report")
try:
    beat = int(read("/app/heartbeat").strip())
    time.sleep(1.5)
    if int(read("/app/heartbeat").strip()) <= beat:
        problems.append("the heartbeat stopped")
except (OSError, ValueError):
    problems.append("no heartbeat")
print("\n".join(problems) or "all checks passed")
sys.exit(1 if problems else 0)
