#!/usr/bin/env bash
# Pushes the image build.sh built to a registry and records the pushed digest, so every
# environment can deploy exactly these bytes (SITE_IMAGE="$(cat build/images/site.ref)").
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: docker/push.sh [--allow-dirty] [--help]

Pushes IMAGE_REPOSITORY:IMAGE_TAG (docker/image.env; the registry is the repository's first
part, e.g. docker.io) and IMAGE_TAG-<git sha>, then writes repository:tag@sha256:<digest> to
build/images/site.ref. Refuses a `latest` or missing tag, an image that was not built, and a
build from a git tree with uncommitted changes (unless --allow-dirty): what is pushed must be
reproducible from a commit.

Environment:
  CONTAINER_ENGINE     docker or podman (default: whichever is installed)
  IMAGE_REPOSITORY     overrides docker/image.env, e.g. registry.example.com/team/site
  IMAGE_TAG            overrides docker/image.env
  REGISTRY_USERNAME    with REGISTRY_PASSWORD: log in to the registry first (password read
  REGISTRY_PASSWORD    from the variable and passed on stdin, never on the command line)
  REGISTRY_TLS_VERIFY  false for a plain-HTTP registry (podman; docker needs the registry in
                       its daemon's insecure-registries instead); default true
USAGE
}

allow_dirty=0
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --allow-dirty) allow_dirty=1 ;;
    *) echo "push.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

load_image_env "$here/image.env"
root="$REPO_ROOT"
image="$IMAGE_REPOSITORY:$IMAGE_TAG"

if [[ $allow_dirty -eq 0 ]] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  if [[ -n "$(git -C "$root" status --porcelain -- docker)" ]]; then
    die "docker/ has uncommitted changes; commit them (the image must match a revision) or pass --allow-dirty"
  fi
fi
if [[ -n "${REGISTRY_USERNAME:-}" && -z "${REGISTRY_PASSWORD:-}" ]] || [[ -z "${REGISTRY_USERNAME:-}" && -n "${REGISTRY_PASSWORD:-}" ]]; then
  die "set both REGISTRY_USERNAME and REGISTRY_PASSWORD to log in, or neither to use existing credentials"
fi

select_engine
engine="$ENGINE"
"$engine" image inspect "$image" >/dev/null 2>&1 || die "$image is not built; run docker/build.sh first"

registry="${IMAGE_REPOSITORY%%/*}"
tls=()
if [[ "${REGISTRY_TLS_VERIFY:-true}" == false ]]; then
  [[ "$engine" == podman ]] || die "REGISTRY_TLS_VERIFY=false works with podman; for docker, list $registry in the daemon's insecure-registries"
  tls=(--tls-verify=false)
elif [[ "${REGISTRY_TLS_VERIFY:-true}" != true ]]; then
  die "REGISTRY_TLS_VERIFY '${REGISTRY_TLS_VERIFY}' is not allowed; use true or false"
fi
if [[ -n "${REGISTRY_USERNAME:-}" ]]; then
  echo "push.sh: logging in to $registry as $REGISTRY_USERNAME"
  printf '%s' "$REGISTRY_PASSWORD" | "$engine" login "${tls[@]}" --username "$REGISTRY_USERNAME" --password-stdin "$registry"
fi

revision="$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null || true)"
digest_file="$(mktemp)"
trap 'rm -f "$digest_file"' EXIT
if [[ "$engine" == podman ]]; then
  podman push "${tls[@]}" --digestfile "$digest_file" "$image"
  digest="$(cat "$digest_file")"
else
  docker push "$image"
  digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$image" \
    | grep -F "$IMAGE_REPOSITORY@" | head -n 1 | sed 's/.*@//')"
fi
if [[ -n "$revision" ]] && "$engine" image inspect "$image-$revision" >/dev/null 2>&1; then
  "$engine" push "${tls[@]}" "$image-$revision"
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "could not read the pushed digest of $image"

mkdir -p "$root/build/images"
echo "$image@$digest" > "$root/build/images/site.ref"
echo "push.sh: pushed $image@$digest (recorded in build/images/site.ref)"
echo "push.sh: deploy it everywhere with: npm run deploy -- --env <target> --image $image@$digest"
