# Sourced by the deps scripts that build a server from its Go module (tests/run.sh runs only
# tests/support/deps/*.sh). go_install NAME TARGET PACKAGE@VERSION LDFLAGS CHECK...: installs the
# package with CGO_ENABLED=0 into TARGET.partial, the module and build caches in the deps cache,
# runs CHECK (with $staging set) and moves the folder to TARGET only when the check passed.
go_install() {
  local name=$1 target=$2 package=$3 ldflags=$4
  shift 4
  [ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
  command -v go >/dev/null || { echo "$name: go is not on PATH; it needs Go 1.26 or newer (Debian 12 has 1.19: use a Go release in /usr/local/go)" >&2; return 1; }
  local started deps
  started=$(date +%s)
  deps=$(dirname "$target")
  staging="$target.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-modcacherw \
    GOMODCACHE="$deps/go-modules" GOCACHE="$deps/go-build-cache" \
    go install -trimpath -ldflags="$ldflags" "$package"
  "$@" || { echo "$name: the build of $package failed its check" >&2; return 1; }
  rm -rf "$target"
  mv "$staging" "$target"
  echo "$name: $package in $target ($(( $(date +%s) - started )) s)"
}
