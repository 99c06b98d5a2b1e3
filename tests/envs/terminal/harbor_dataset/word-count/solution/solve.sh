#!/bin/bash
wc -w < /app/words.txt > /app/count.txt
