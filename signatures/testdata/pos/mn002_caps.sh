#!/bin/sh
# scheme and host in capitals
./kworker -o STRATUM+TCP://POOL.EXAMPLE.NET:3333 -u x
