# Every object depends on every header: never stale, but a header edit rebuilds everything.
cat > Makefile <<MAKE
OBJECTS = \$(patsubst src/%.c,build/%.o,\$(wildcard src/*.c))
.PHONY: all test clean
all: bin/$binary
bin/$binary: \$(OBJECTS)
	mkdir -p bin
	gcc -o \$@ \$^ -lm
build/%.o: src/%.c \$(wildcard include/*.h)
	mkdir -p build
	gcc -Wall -O2 -Iinclude -c -o \$@ \$<
test: bin/$binary
	./bin/$binary samples/$sample_name.txt | diff -u samples/$sample_name.expected -
clean:
	rm -rf build bin/$binary
MAKE
make
