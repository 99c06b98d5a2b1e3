echo done > status.txt
