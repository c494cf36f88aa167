#!/bin/bash
# Container health checks that use bash's /dev/tcp without any shell on it.
timeout 1 bash -c '</dev/tcp/127.0.0.1/5432' || exit 1
exec 3<>/dev/tcp/localhost/8080
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
grep -q '200 OK' <&3
exec 3>&-
# Waiting for dependencies
until nc -z db 5432; do sleep 1; done
nc -l -p 9000 < /srv/status.txt &
socat TCP-LISTEN:8081,fork,reuseaddr TCP:backend:80 &
socat TCP-LISTEN:8082,reuseaddr,fork EXEC:/usr/local/bin/handler.sh &
