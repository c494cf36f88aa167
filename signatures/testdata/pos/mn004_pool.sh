#!/bin/sh
HOST=gulf.moneroocean.stream
./svc --url "$HOST:10128" --user worker
