import socket
import subprocess

def probe(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect((host, port))
    s.sendall(b"PING\r\n")
    reply = s.recv(64)
    s.close()
    return reply

if __name__ == "__main__":
    print(probe("127.0.0.1", 6379))
    subprocess.run(["/bin/sh", "-c", "uptime"], check=True)
