# No honest program knows the secret: the escape tests play the agent here.
echo 'echo unknown' > program.sh
