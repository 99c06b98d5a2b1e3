# No dependencies at all: every `make` compiles every source and links again.
{
  echo ".PHONY: all bin/$binary test clean"
  echo "all: bin/$binary"
  echo "bin/$binary:"
  printf '\tmkdir -p build bin\n'
  for c in src/*.c; do
    printf '\tgcc -Wall -O2 -Iinclude -c -o build/%s.o %s\n' "$(basename "$c" .c)" "$c"
  done
  printf '\tgcc -o bin/%s build/*.o -lm\n' "$binary"
  echo "test: bin/$binary"
  printf '\t./bin/%s samples/%s.txt | diff -u samples/%s.expected -\n' "$binary" "$sample_name" "$sample_name"
  echo "clean:"
  printf '\trm -rf build bin/%s\n' "$binary"
} > Makefile
make
