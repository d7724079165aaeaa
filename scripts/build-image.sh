#!/usr/bin/env bash
# scripts/build-image.sh TAG: build the mockwsus container image.
#
# The image holds one static binary (CGO_ENABLED=0) on an empty base
# (FROM scratch), so nothing is pulled from a registry: it is built from the
# binary alone, as release tools do. It runs as an unprivileged user
# (65532), serves the web services on 8530 and the admin API on 8539, and
# passes its arguments to mockwsus (they replace the default
# "--addr 0.0.0.0:8530 --admin-addr 0.0.0.0:8539"). An admin API off
# loopback needs a token: give it as MOCKWSUS_ADMIN_TOKEN, or mount a file
# and pass --admin-token-file FILE.
#
# It uses docker, or podman when docker is absent; CONTAINER_TOOL=podman
# (or docker) chooses. Extra build options go in CONTAINER_BUILD_OPTS.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	echo "usage: scripts/build-image.sh TAG   (e.g. mockwsus:dev)" >&2
	[ $# -eq 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && exit 0
	exit 2
fi
tag=$1
cd "$(dirname "$0")/.."

tool=${CONTAINER_TOOL:-}
if [ -z "$tool" ]; then
	if command -v docker >/dev/null 2>&1; then
		tool=docker
	elif command -v podman >/dev/null 2>&1; then
		tool=podman
	else
		echo "build-image: neither docker nor podman is installed" >&2
		exit 2
	fi
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

# The version and commit go into the binary as `go build` stamps them
# (-buildvcs=auto over a GOFLAGS=-buildvcs=false: `mockwsus version` in the
# image names its commit when built in a clone); -trimpath keeps the build
# machine's paths out of it.
CGO_ENABLED=0 go build -trimpath -buildvcs=auto -o "$ctx/mockwsus" ./cmd/mockwsus
# Every file the image needs: the binary, a passwd naming the user so that
# tools showing the user have a name (the binary needs none), and /logs.
mkdir -p "$ctx/etc" "$ctx/logs"
printf 'mockwsus:x:65532:65532:mockwsus:/nonexistent:/sbin/nologin\n' > "$ctx/etc/passwd"
printf 'mockwsus:x:65532:\n' > "$ctx/etc/group"
cat > "$ctx/Containerfile" <<'CONTAINERFILE'
FROM scratch
COPY etc/passwd etc/group /etc/
COPY mockwsus /mockwsus
# An empty directory the user owns, for --log-dir /logs (a volume mounted
# there starts with this ownership).
COPY --chown=65532:65532 logs /logs
USER 65532:65532
EXPOSE 8530 8539
ENTRYPOINT ["/mockwsus"]
CMD ["--addr", "0.0.0.0:8530", "--admin-addr", "0.0.0.0:8539"]
CONTAINERFILE

# shellcheck disable=SC2086 # CONTAINER_BUILD_OPTS is a list of options
"$tool" build ${CONTAINER_BUILD_OPTS:-} -t "$tag" -f "$ctx/Containerfile" "$ctx"
echo "built $tag with $tool"
