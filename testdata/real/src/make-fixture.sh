#!/bin/bash
# Rebuilds the docker save fixtures in testdata/real with a real Docker daemon.
#
# Needs root, gcc, GNU tar and Debian 12's docker.io (dockerd 20.10.24, containerd, runc):
#   apt-get install -y docker.io
# It starts its own dockerd on private paths under /tmp (vfs storage, no iptables, no bridge),
# builds the image with the classic builder and with BuildKit, saves both, and stops the daemon.
# Image IDs and layer digests change with every run (timestamps); the test reads them from the
# archive, but its hard-coded image IDs and the README's sha256 sums must be updated.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)
work=/tmp/docker-work
sock=/tmp/docker.sock
export DOCKER_HOST=unix://$sock
docker=/usr/bin/docker # Debian's CLI of the same version: its BuildKit client is built in

rm -rf "$work" /tmp/docker-data /tmp/docker-exec
mkdir -p "$work" /tmp/docker-data /tmp/docker-exec

dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
	--data-root /tmp/docker-data --exec-root /tmp/docker-exec -H "$DOCKER_HOST" \
	--pidfile /tmp/docker-exec/dockerd.pid \
	--containerd-namespace strata --containerd-plugins-namespace strata-plugins \
	>/tmp/docker-dockerd.log 2>&1 &
dockerd_pid=$!
stop() {
	kill "$dockerd_pid" 2>/dev/null || true
	wait "$dockerd_pid" 2>/dev/null || true
	rm -rf /tmp/docker-data /tmp/docker-exec "$sock"
}
trap stop EXIT
for _ in $(seq 1 30); do
	$docker version >/dev/null 2>&1 && break
	sleep 1
done
$docker version

# The one program in the image: unlink(2) on its argument, no libc, 568 bytes.
gcc -Os -static -nostdlib -fno-asynchronous-unwind-tables -fno-stack-protector \
	-Wl,--build-id=none -Wl,-z,noseparate-code -s -o "$work/unlink" "$here/unlink.c"

# Base root filesystem, imported as one layer.
r=$work/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/usr/local/bin" "$r/app" "$r/home/analyst" "$r/tmp"
cp "$work/unlink" "$r/bin/unlink"
ln -s unlink "$r/bin/rm"
printf 'NAME="strata real fixture base"\nVERSION_ID=1\n' >"$r/etc/strata-release"
printf '#!/bin/sh\n# Prints a greeting; the image has no shell, so this is only a file to find.\necho "${GREETING:-hello}"\n' >"$r/usr/local/bin/hello.sh"
chmod 0755 "$r/usr/local/bin/hello.sh"
ln "$r/usr/local/bin/hello.sh" "$r/usr/local/bin/hello"
printf 'mode=default\nverbose=false\n' >"$r/app/config.txt"
chmod 0644 "$r/app/config.txt"
printf 'this file is deleted by a later RUN step\n' >"$r/app/old.txt"
chmod 0600 "$r/app/old.txt"
printf 'analyst notes: nothing here yet\n' >"$r/home/analyst/notes.txt"
chmod 0640 "$r/home/analyst/notes.txt"
chmod 0750 "$r/home/analyst"
chmod 1777 "$r/tmp"
tarflags=(--sort=name --mtime='2024-03-01 12:00:00Z' --numeric-owner --format=posix --pax-option=delete=atime,delete=ctime)
tar "${tarflags[@]}" --owner=0 --group=0 -C "$r" -cf "$work/base.tar" --exclude=./home/analyst .
tar "${tarflags[@]}" --owner=1000 --group=1000 -C "$r" -rf "$work/base.tar" ./home/analyst
$docker import -m "strata real fixture base" "$work/base.tar" strata-real/base:1

# Build context: git keeps only 0644/0755, so set the modes the fixture was built with.
cp -a "$here/ctx" "$work/ctx"
chmod 0640 "$work/ctx/config.txt"
chmod 0644 "$work/ctx/notes.txt" "$work/ctx/data/table.csv" "$work/ctx/Dockerfile"
chmod 0755 "$work/ctx/data/run.sh"
find "$work/ctx" -exec touch -h -d '2024-03-02 12:00:00Z' {} +

(cd "$work/ctx" && DOCKER_BUILDKIT=0 $docker build --network=none -t strata-real/app:classic .)
(cd "$work/ctx" && DOCKER_BUILDKIT=1 $docker build --network=none --progress=plain -t strata-real/app:buildkit .)
$docker images --no-trunc
$docker history --no-trunc strata-real/app:classic
$docker history --no-trunc strata-real/app:buildkit

version=$($docker version --format '{{.Server.Version}}')
version=${version%%+*}
$docker save -o "$out/docker-save-$version-classic.tar" strata-real/app:classic
$docker save -o "$out/docker-save-$version-buildkit.tar" strata-real/app:buildkit
chmod 0644 "$out"/docker-save-"$version"-*.tar
sha256sum "$out"/docker-save-"$version"-*.tar
