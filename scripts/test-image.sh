#!/usr/bin/env bash
# scripts/test-image.sh: the container image's test, run by .ci/run.
#
# It builds the image with scripts/build-image.sh, checks that it refuses to
# serve its admin API off loopback without a token, starts it with host
# networking on loopback ports with the token in MOCKWSUS_ADMIN_TOKEN, and
# passes the three default proofs against it with
# `wsusrepro run --server URL --admin URL --admin-token TOKEN`.
#
# It uses the docker daemon DOCKER_HOST points at when one answers, else
# starts its own (Debian's docker.io: dockerd with its data root and socket
# in a temporary directory), else podman. Exit status 0 passed, 1 failed.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
tag=wsusmock-test:$$
name=wsusmock-test-$$
dockerd_pid=
cleanup() {
	if [ -n "${tool:-}" ]; then
		"$tool" rm -f "$name" "$name-open" >/dev/null 2>&1 || true
		"$tool" rmi -f "$tag" >/dev/null 2>&1 || true
	fi
	if [ -n "$dockerd_pid" ]; then
		kill "$dockerd_pid" 2>/dev/null || true
		wait "$dockerd_pid" 2>/dev/null || true
		# dockerd leaves its network namespace mounted in its exec root.
		awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true
	fi
	rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
fail() {
	echo "test-image: FAIL: $*" >&2
	exit 1
}

tool=
run_opts=()
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	tool=docker
elif command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
	# Host networking only: no bridge, no iptables rules on the machine.
	dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
		-H "unix://$work/docker.sock" --bridge=none --iptables=false >"$work/dockerd.log" 2>&1 &
	dockerd_pid=$!
	export DOCKER_HOST="unix://$work/docker.sock"
	for _ in $(seq 1 120); do
		docker info >/dev/null 2>&1 && break
		kill -0 "$dockerd_pid" 2>/dev/null || { cat "$work/dockerd.log" >&2; fail "dockerd exited"; }
		sleep 0.5
	done
	docker info >/dev/null 2>&1 || { tail -20 "$work/dockerd.log" >&2; fail "dockerd did not answer within 60 s"; }
	tool=docker
elif command -v podman >/dev/null 2>&1; then
	tool=podman
	run_opts=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
else
	fail "neither docker (with dockerd) nor podman is installed"
fi
echo "test-image: using $tool"

CONTAINER_TOOL=$tool scripts/build-image.sh "$tag"

user=$("$tool" image inspect -f '{{.Config.User}}' "$tag")
[ "$user" = "65532:65532" ] || fail "the image runs as user '$user', want 65532:65532"

# Secure by default: the default command serves the admin API on 0.0.0.0,
# which mockwsus refuses without a token.
if "$tool" run "${run_opts[@]}" --name "$name-open" --network host "$tag" --addr 127.0.0.1:0 --admin-addr 0.0.0.0:0 >"$work/open.log" 2>&1; then
	fail "the image served its admin API off loopback without a token"
fi
grep -q "token" "$work/open.log" || { cat "$work/open.log" >&2; fail "the refusal does not say a token is needed"; }

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
MOCKWSUS_ADMIN_TOKEN=$token "$tool" run "${run_opts[@]}" -d --name "$name" --network host --read-only \
	-e MOCKWSUS_ADMIN_TOKEN "$tag" --addr 127.0.0.1:0 --admin-addr 127.0.0.1:0 >/dev/null
url= admin=
for _ in $(seq 1 100); do
	logs=$("$tool" logs "$name" 2>&1 || true)
	url=$(printf '%s\n' "$logs" | sed -n 's/^listening on //p' | head -1)
	admin=$(printf '%s\n' "$logs" | sed -n 's/^admin on //p' | head -1)
	[ -n "$url" ] && [ -n "$admin" ] && break
	[ "$("$tool" inspect -f '{{.State.Running}}' "$name")" = true ] || { printf '%s\n' "$logs" >&2; fail "the container stopped"; }
	sleep 0.1
done
[ -n "$url" ] && [ -n "$admin" ] || fail "the container did not print its URLs within 10 s"
case "$url $admin" in
*127.0.0.1:*127.0.0.1:*) ;;
*) fail "listening on $url, admin on $admin: want loopback" ;;
esac
pid=$("$tool" inspect -f '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ] || fail "mockwsus runs as uid $uid in the container, want 65532"

# The admin API wants the token from the environment.
code=$(curl -s -o /dev/null -w '%{http_code}' "$admin/version" || true)
[ "$code" = 401 ] || fail "GET $admin/version without the token answered $code, want 401"

go run ./cmd/wsusrepro run --server "$url" --admin "$admin" --admin-token "$token" --out "$work/out" ||
	fail "the three default proofs did not pass against the container"
echo "test-image: PASS: the image ($tag, $tool) passes kb954960, kb954960-hotfix and kb954960-workaround"
