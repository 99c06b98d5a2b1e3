cat > Makefile <<MAKE
CC = gcc
CFLAGS = -Wall -O2 -Iinclude
DEPFLAGS = -MMD -MP
LDLIBS = -lm

BIN = bin/$binary
SOURCES = \$(wildcard src/*.c)
OBJECTS = \$(patsubst src/%.c,build/%.o,\$(SOURCES))
SAMPLE = samples/$sample_name

.PHONY: all test clean

all: \$(BIN)

\$(BIN): \$(OBJECTS) | bin
	\$(CC) \$(LDFLAGS) -o \$@ \$(OBJECTS) \$(LDLIBS)

build/%.o: src/%.c | build
	\$(CC) \$(CFLAGS) \$(DEPFLAGS) -c -o \$@ \$<

build bin:
	mkdir -p \$@

test: \$(BIN)
	./\$(BIN) \$(SAMPLE).txt | diff -u \$(SAMPLE).expected -

clean:
	rm -rf build \$(BIN)

-include \$(OBJECTS:.o=.d)
MAKE
make
