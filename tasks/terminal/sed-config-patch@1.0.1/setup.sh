# The config is readable by the service's group only, as on the real host.
chmod 640 "etc/$conf_name"
touch -d '2025-02-11 09:30:00' "etc/$conf_name"
