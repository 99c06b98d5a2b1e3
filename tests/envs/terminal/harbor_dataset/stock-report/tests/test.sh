#!/bin/bash
# As Harbor's tests do: check, then write the reward where Harbor reads it.
export PYTHONPATH=/tests/lib
python3 /tests/test_outputs.py
if [ $? -eq 0 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
