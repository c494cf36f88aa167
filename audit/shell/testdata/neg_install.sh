#!/bin/sh
set -eu
# Toolchain installer, run once while building the image.
curl -fsSL https://sh.example.org/install.sh | sh -s -- -y
wget -qO- https://get.example.com/setup | bash
curl -o /tmp/installer.sh https://example.org/installer.sh && chmod +x /tmp/installer.sh && /tmp/installer.sh
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2l0M3j1b9Y8v9z0bq7l5u6o3o github.com" >> /etc/ssh/ssh_known_hosts
