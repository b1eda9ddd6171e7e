#!/usr/bin/env bash
# Fetches the Keycloak server distribution (org.keycloak:keycloak-quarkus-dist, zip) from Maven
# Central into $CAIRN_TEST_DEPS/keycloak-<version>/ and runs `kc.sh build` once there, with the
# build-time options the tests start it with (PostgreSQL, health and metrics; the cache stack is
# a runtime option in Keycloak 26, given at start).
# Does nothing when that folder is complete. The version is the catalog's Keycloak image tag.
set -euo pipefail
version=26.5.6
deps=${CAIRN_TEST_DEPS:-$HOME/.cache/cairn-test-deps}
target="$deps/keycloak-$version"
built_marker="$target/.built"   # written last: a folder without it is an interrupted fetch
[ -f "$built_marker" ] && exit 0

command -v mvn >/dev/null || { echo "keycloak.sh: mvn is not installed (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "keycloak.sh: java is not installed (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

started=$(date +%s)
# Unpacked and built in place (build may record paths); the marker, written last, tells a
# complete folder from an interrupted one, which is removed and redone.
rm -rf "$target" "$deps/keycloak-$version.zip.d"
download="$deps/keycloak-$version.zip.d"
mkdir -p "$download"
trap 'rm -rf "$download"' EXIT

# The Maven repository lives in the deps cache too, so nothing lands in ~/.m2.
mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$deps/maven-repository" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" \
  -Dmdep.useBaseVersion=true -Dtransitive=false -DoutputDirectory="$download" \
  > "$download/mvn.log" 2>&1 \
  || { echo "keycloak.sh: Maven could not fetch org.keycloak:keycloak-quarkus-dist:$version:zip:" >&2; tail -n 30 "$download/mvn.log" >&2; exit 1; }
unzip -q -d "$deps" "$download/keycloak-quarkus-dist-$version.zip"
[ -x "$target/bin/kc.sh" ] || { echo "keycloak.sh: the archive has no keycloak-$version/bin/kc.sh" >&2; exit 1; }

# `build` rewrites lib/ for these options; `start --optimized` then skips the slow augmentation.
"$target/bin/kc.sh" build --db=postgres --health-enabled=true \
  --metrics-enabled=true > "$target/build.log" 2>&1 \
  || { echo "keycloak.sh: kc.sh build failed ($target/build.log):" >&2; tail -n 30 "$target/build.log" >&2; exit 1; }

# The unpacked build is what the tests use; the archive in the Maven repository is not needed again.
rm -rf "$deps/maven-repository/org/keycloak"
date -u +%FT%TZ > "$built_marker"
echo "keycloak.sh: Keycloak $version in $target ($(( $(date +%s) - started )) s)"
