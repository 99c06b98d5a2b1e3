# No honest program knows the secret: the tests play the agent here.
echo 'echo hello' > program.sh
