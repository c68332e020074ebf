#!/usr/bin/env bash
# Pushes the image build.sh built to a registry and records the pushed digest, so every
# environment can deploy exactly these bytes: in image.env (PUSHED_IMAGE, which the cdk8s app
# deploys by default) and in build/images/site.ref (SITE_IMAGE="$(cat build/images/site.ref)").
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: docker/push.sh [--allow-dirty] [--no-record] [--help]

Pushes IMAGE_REPOSITORY:IMAGE_TAG (docker/image.env) and IMAGE_TAG-<git sha>, as built by
docker/build.sh, then writes repository:tag@sha256:<digest> to build/images/site.ref (deploy
that reference to pin the exact bytes).

When the image is exactly the one image.env names (no IMAGE_REPOSITORY, IMAGE_TAG or REGISTRY
in the environment), it also records that reference in image.env as PUSHED_IMAGE=..., replacing
an earlier PUSHED_IMAGE line and leaving every other line as it was: commit it, and every synth
(npx cdk8s synth, any target) deploys those bytes by digest, pulled IfNotPresent.
IMAGE_ENV=services/api/image.env does the same for the API image services/api/build.sh built.

Refuses: a "latest" or invalid tag; an image that was not built; an image built from a git tree
with uncommitted changes in docker/, or outside git (its org.opencontainers.image.revision label
ends in "-dirty" or is "unknown"), unless --allow-dirty is given: what is pushed must be
reproducible from a commit.

Options:
  --allow-dirty        push a build from uncommitted changes anyway
  --no-record          do not record the digest in image.env
  --help               this text

Environment:
  CONTAINER_ENGINE     docker or podman (default: docker if its daemon answers, else podman)
  IMAGE_REPOSITORY     overrides docker/image.env, e.g. registry.example.com/team/site
  IMAGE_TAG            overrides docker/image.env (a version such as 1.0.0; never "latest")
  REGISTRY             push to this registry instead of the one IMAGE_REPOSITORY names, e.g. a
                       mirror: REGISTRY=registry.example.com pushes
                       registry.example.com/mincloud1501/nginx:1.0.0 (host[:port][/path])
  REGISTRY_USERNAME    with REGISTRY_PASSWORD: log in to the registry first (the password is
  REGISTRY_PASSWORD    passed on stdin, never on the command line); neither: existing login
  REGISTRY_TLS_VERIFY  true (default) or false for a plain-HTTP registry (podman only; docker
                       needs the registry in its daemon's insecure-registries instead)
  IMAGE_ENV            the image.env naming the image (default docker/image.env; for the API
                       services/api/image.env)
  IMAGE_REF_FILE       where to record the pushed reference (default build/images/site.ref, or
                       build/images/<folder>.ref for another IMAGE_ENV: api.ref for the API)
USAGE
}

allow_dirty=0
record=1
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --allow-dirty) allow_dirty=1 ;;
    --no-record) record=0 ;;
    *) echo "push.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

image_env="${IMAGE_ENV:-$here/image.env}"
[[ -f "$image_env" ]] || die "IMAGE_ENV '$image_env' is not a file; name an image.env such as services/api/image.env"
# The image is image.env's own only when nothing in the environment names another one.
[[ -z "${IMAGE_REPOSITORY:-}${IMAGE_TAG:-}${REGISTRY:-}" ]] || record=0
load_image_env "$image_env"
image="$IMAGE_REPOSITORY:$IMAGE_TAG"

if [[ -n "${REGISTRY_USERNAME:-}" && -z "${REGISTRY_PASSWORD:-}" ]] || [[ -z "${REGISTRY_USERNAME:-}" && -n "${REGISTRY_PASSWORD:-}" ]]; then
  die "set both REGISTRY_USERNAME and REGISTRY_PASSWORD to log in, or neither to use existing credentials"
fi
tls=()
case "${REGISTRY_TLS_VERIFY:-true}" in
  true) ;;
  false) tls=(--tls-verify=false) ;;
  *) die "REGISTRY_TLS_VERIFY '${REGISTRY_TLS_VERIFY}' is not allowed; use true or false" ;;
esac

# The registry: REGISTRY, or IMAGE_REPOSITORY's first part when it names a host (has a dot or
# a port, or is localhost), else Docker Hub.
first="${IMAGE_REPOSITORY%%/*}"
path="$IMAGE_REPOSITORY"
if [[ "$IMAGE_REPOSITORY" == */* && ( "$first" == *.* || "$first" == *:* || "$first" == localhost ) ]]; then
  path="${IMAGE_REPOSITORY#*/}"
else
  first=docker.io
fi
if [[ -n "${REGISTRY:-}" ]]; then
  [[ "$REGISTRY" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$ ]] \
    || die "REGISTRY '$REGISTRY' is not allowed; use host[:port][/path], e.g. registry.example.com or 127.0.0.1:5000"
  target_repo="$REGISTRY/$path"
else
  target_repo="$IMAGE_REPOSITORY"
fi
registry="${target_repo%%/*}"
[[ "$target_repo" == */* && ( "$registry" == *.* || "$registry" == *:* || "$registry" == localhost ) ]] || registry=docker.io

select_engine
engine="$ENGINE"
[[ ${#tls[@]} -eq 0 || "$engine" == podman ]] \
  || die "REGISTRY_TLS_VERIFY=false works with podman only; for docker, list $registry in the daemon's insecure-registries"
"$engine" image inspect "$image" >/dev/null 2>&1 || die "$image is not built; run docker/build.sh first"

# Where the image came from: its revision label (build.sh: the commit id, "-dirty" if docker/
# had uncommitted changes).
revision="$("$engine" image inspect --format '{{ index .Config.Labels "org.opencontainers.image.revision" }}' "$image" 2>/dev/null || true)"
if [[ ! "$revision" =~ ^[0-9a-f]{40}$ ]]; then
  if [[ $allow_dirty -eq 0 ]]; then
    case "$revision" in
      *-dirty) die "$image was built from uncommitted changes (revision $revision); commit them and run docker/build.sh again, or pass --allow-dirty" ;;
      *) die "$image has no commit in its revision label ('$revision'); build it with docker/build.sh from a git checkout, or pass --allow-dirty" ;;
    esac
  fi
  echo "push.sh: --allow-dirty: pushing $image built from revision '${revision:-none}'"
fi
head="$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || true)"
if [[ -n "$head" && "${revision%-dirty}" =~ ^[0-9a-f]{40}$ && "${revision%-dirty}" != "$head" ]]; then
  echo "push.sh: note: $image was built from commit ${revision:0:12}, HEAD is now ${head:0:12}"
fi

# The tags to push: the version, and the version plus the commit if build.sh made that tag.
tags=("$IMAGE_TAG")
if [[ "${revision%-dirty}" =~ ^[0-9a-f]{40}$ ]]; then
  suffix="${revision:0:7}"
  [[ "$revision" == *-dirty ]] && suffix+="-dirty"
  "$engine" image inspect "$IMAGE_REPOSITORY:$IMAGE_TAG-$suffix" >/dev/null 2>&1 && tags+=("$IMAGE_TAG-$suffix")
fi
if [[ "$target_repo" != "$IMAGE_REPOSITORY" ]]; then
  for t in "${tags[@]}"; do "$engine" tag "$IMAGE_REPOSITORY:$t" "$target_repo:$t"; done
fi

if [[ -n "${REGISTRY_USERNAME:-}" ]]; then
  echo "push.sh: logging in to $registry as $REGISTRY_USERNAME"
  printf '%s' "$REGISTRY_PASSWORD" | "$engine" login "${tls[@]}" --username "$REGISTRY_USERNAME" --password-stdin "$registry"
fi

target="$target_repo:$IMAGE_TAG"
digest_file="$(mktemp)"
trap 'rm -f "$digest_file"' EXIT
if [[ "$engine" == podman ]]; then
  podman push "${tls[@]}" --digestfile "$digest_file" "$target"
  digest="$(cat "$digest_file")"
else
  docker push "$target"
  digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$target" \
    | grep -F "$target_repo@" | head -n 1 | sed 's/.*@//')"
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "could not read the digest of the pushed $target"
for t in "${tags[@]:1}"; do "$engine" push "${tls[@]}" "$target_repo:$t"; done

default_ref="$REPO_ROOT/build/images/site.ref"
[[ -z "${IMAGE_ENV:-}" ]] || default_ref="$REPO_ROOT/build/images/$(basename "$(cd "$(dirname "$image_env")" && pwd)").ref"
ref_file="${IMAGE_REF_FILE:-$default_ref}"
mkdir -p "$(dirname "$ref_file")"
echo "$target@$digest" > "$ref_file"
echo "push.sh: pushed $target@$digest${tags[1]:+ (also tagged ${tags[1]})} (recorded in ${ref_file#"$REPO_ROOT"/})"
if [[ $record -eq 1 ]]; then
  # Every line as it was, but PUSHED_IMAGE's; written beside it, then renamed into place.
  recorded="$(mktemp "$(dirname "$image_env")/.image.env.XXXXXX")"
  { grep -v '^PUSHED_IMAGE=' "$image_env" || true; echo "PUSHED_IMAGE=$target@$digest"; } > "$recorded"
  chmod --reference="$image_env" "$recorded"
  mv "$recorded" "$image_env"
  echo "push.sh: recorded PUSHED_IMAGE=$target@$digest in ${image_env#"$REPO_ROOT"/}; commit it: every synth then deploys these bytes by digest"
fi
echo "push.sh: deploy it everywhere with: npm run deploy -- --target <target> --image $target@$digest"
