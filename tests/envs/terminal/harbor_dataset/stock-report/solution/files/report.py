import csv
import sys

threshold = int(sys.argv[1])
for row in csv.DictReader(sys.stdin):
    if int(row["count"]) < threshold:
        print(row["item"], row["count"])
