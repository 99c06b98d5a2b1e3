"""A seeded C tool (four .c files, four headers) that has no build system yet."""

from __future__ import annotations

import math
from random import Random

from skillgym.envs.terminal.generation import Generated

BINARIES = ["numstat", "statline", "tally", "colstat", "sumup", "quickstats"]
READERS = ["reader", "input", "parse"]
STATS = ["stats", "summary", "calc"]
REPORTS = ["report", "output", "format"]
CONFIGS = ["config", "settings", "tuning"]

MAIN_C = """\
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "@READER@.h"
#include "@STATS@.h"
#include "@REPORT@.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE (or - for stdin)\\n", argv[0]);
        return 2;
    }
    FILE *in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    if (in == NULL) {
        perror(argv[1]);
        return 2;
    }
    double *values = NULL;
    size_t count = read_values(in, &values);
    if (in != stdin)
        fclose(in);
    struct summary result = summarize(values, count);
    print_report(stdout, &result);
    free(values);
    return 0;
}
"""

READER_H = """\
#ifndef @GUARD@
#define @GUARD@

#include <stddef.h>
#include <stdio.h>

/* Reads one number per line; skips blank lines and lines starting with '#'. */
size_t read_values(FILE *in, double **out);

#endif
"""

READER_C = """\
#include <ctype.h>
#include <stdlib.h>

#include "@READER@.h"
@LINE_LIMIT@

size_t read_values(FILE *in, double **out)
{
    char line[MAX_LINE];
    size_t count = 0, capacity = 16;
    double *values = malloc(capacity * sizeof *values);
    *out = values;
    if (values == NULL)
        return 0;
    while (fgets(line, sizeof line, in) != NULL) {
        char *start = line, *end;
        while (isspace((unsigned char)*start))
            start++;
        if (*start == '\\0' || *start == '#')
            continue;
        double value = strtod(start, &end);
        if (end == start)
            continue;
        if (count == capacity) {
            capacity *= 2;
            double *grown = realloc(values, capacity * sizeof *values);
            if (grown == NULL)
                break;
            values = grown;
            *out = values;
        }
        values[count++] = value;
    }
    return count;
}
"""

STATS_H = """\
#ifndef @GUARD@
#define @GUARD@

#include <stddef.h>

struct summary {
    size_t count;
    double min, max, mean, median, stddev;
};

struct summary summarize(const double *values, size_t count);

#endif
"""

STATS_C = """\
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "@CONFIG@.h"
#include "@STATS@.h"

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct summary summarize(const double *values, size_t count)
{
    struct summary s = {0};
    s.count = count;
    if (count == 0)
        return s;
    double sum = 0.0;
    s.min = s.max = values[0];
    for (size_t i = 0; i < count; i++) {
        sum += values[i];
        if (values[i] < s.min)
            s.min = values[i];
        if (values[i] > s.max)
            s.max = values[i];
    }
    s.mean = sum / (double)count;
    double *sorted = malloc(count * sizeof *sorted);
    if (sorted != NULL) {
        memcpy(sorted, values, count * sizeof *sorted);
        qsort(sorted, count, sizeof *sorted, compare);
        s.median = count % 2 ? sorted[count / 2]
                             : (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0;
        free(sorted);
    }
    double squares = 0.0;
    for (size_t i = 0; i < count; i++) {
        double d = values[i] - s.mean;
        squares += d * d;
    }
    size_t denominator = SAMPLE_STDDEV ? count - 1 : count;
    s.stddev = denominator > 0 ? sqrt(squares / (double)denominator) : 0.0;
    return s;
}
"""

REPORT_H = """\
#ifndef @GUARD@
#define @GUARD@

#include <stdio.h>

#include "@STATS@.h"

void print_report(FILE *out, const struct summary *s);

#endif
"""

REPORT_C = """\
#include "@CONFIG@.h"
#include "@REPORT@.h"

void print_report(FILE *out, const struct summary *s)
{
    fprintf(out, "count %zu\\n", s->count);
    if (s->count == 0)
        return;
    fprintf(out, "min %.*f\\n", DECIMALS, s->min);
    fprintf(out, "max %.*f\\n", DECIMALS, s->max);
    fprintf(out, "mean %.*f\\n", DECIMALS, s->mean);
    fprintf(out, "median %.*f\\n", DECIMALS, s->median);
    fprintf(out, "stddev %.*f\\n", DECIMALS, s->stddev);
}
"""

CONFIG_H = """\
#ifndef @GUARD@
#define @GUARD@

/* Digits after the decimal point in the report. */
#define DECIMALS @DECIMALS@
/* 1: sample standard deviation (n - 1); 0: population (n). */
#define SAMPLE_STDDEV @SAMPLE@
/* Longest input line. */
#define MAX_LINE 256

#endif
"""


def report(values: list[float], decimals: int, sample: bool) -> str:
    """What the C program prints for ``values`` (same float operations, same order)."""
    lines = [f"count {len(values)}"]
    if not values:
        return lines[0] + "\n"
    total = 0.0
    for value in values:
        total += value
    mean = total / len(values)
    ordered = sorted(values)
    n = len(values)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0
    squares = 0.0
    for value in values:
        squares += (value - mean) * (value - mean)
    denominator = n - 1 if sample else n
    stddev = math.sqrt(squares / denominator) if denominator > 0 else 0.0
    for label, number in [
        ("min", min(values)),
        ("max", max(values)),
        ("mean", mean),
        ("median", median),
        ("stddev", stddev),
    ]:
        lines.append(f"{label} {number:.{decimals}f}")
    return "\n".join(lines) + "\n"


def sample_input(rng: Random, count: int) -> tuple[str, list[float]]:
    """A data file with comments and blank lines, and the numbers in it."""
    values = [round(rng.uniform(-50, 900), rng.choice([0, 1, 2])) for _ in range(count)]
    lines = ["# exported readings"]
    for value in values:
        text = f"{value:g}" if rng.random() < 0.5 else f"{value}"
        lines.append(rng.choice(["", "  ", "\t"]) + text + rng.choice(["", " "]))
        if rng.random() < 0.15:
            lines.append(rng.choice(["", "# checkpoint", "   "]))
    return "\n".join(lines) + "\n", [float(v) for v in lines_values(lines)]


def lines_values(lines: list[str]) -> list[float]:
    """The numbers the C reader takes from ``lines``."""
    out = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            out.append(float(text))
    return out


def generate(rng: Random) -> Generated:
    """The sources, a sample with its expected output, and the include graph for the tests."""
    binary = rng.choice(BINARIES)
    reader, stats, rep, config = (
        rng.choice(READERS),
        rng.choice(STATS),
        rng.choice(REPORTS),
        rng.choice(CONFIGS),
    )
    decimals = rng.randint(1, 3)
    sample = rng.random() < 0.5
    reader_uses_config = rng.random() < 0.5

    def fill(text: str, guard: str = "") -> str:
        for key, value in {
            "@READER@": reader,
            "@STATS@": stats,
            "@REPORT@": rep,
            "@CONFIG@": config,
            "@DECIMALS@": str(decimals),
            "@SAMPLE@": "1" if sample else "0",
            "@GUARD@": guard.upper() + "_H",
            "@LINE_LIMIT@": f'#include "{config}.h"'
            if reader_uses_config
            else "\n#define MAX_LINE 256",
        }.items():
            text = text.replace(key, value)
        return text

    files = {
        "src/main.c": fill(MAIN_C),
        f"src/{reader}.c": fill(READER_C),
        f"src/{stats}.c": fill(STATS_C),
        f"src/{rep}.c": fill(REPORT_C),
        f"include/{reader}.h": fill(READER_H, reader),
        f"include/{stats}.h": fill(STATS_H, stats),
        f"include/{rep}.h": fill(REPORT_H, rep),
        f"include/{config}.h": fill(CONFIG_H, config),
    }
    # Which objects must be rebuilt when a header changes (direct or through report.h).
    dependents = {
        f"{reader}.h": sorted(["main", reader]),
        f"{stats}.h": sorted(["main", stats, rep]),
        f"{rep}.h": sorted(["main", rep]),
        f"{config}.h": sorted([stats, rep] + ([reader] if reader_uses_config else [])),
    }
    text, values = sample_input(rng, rng.randint(15, 40))
    sample_name = rng.choice(["readings", "latencies", "weights", "scores"])
    files[f"samples/{sample_name}.txt"] = text
    files[f"samples/{sample_name}.expected"] = report(values, decimals, sample)
    return Generated(
        variables={
            "binary": binary,
            "sample_name": sample_name,
            "stats_module": stats,
        },
        files=files,
        expected={
            "objects": sorted(["main", reader, stats, rep]),
            "headers": dependents,
            "decimals": decimals,
            "sample_stddev": sample,
        },
    )
