#!/bin/bash
# The package carries a man page for each of its programs, each unit's Documentation= names pages
# that are in it, every page renders without a warning and has a NAME line lexgrog reads, and
# the long options a page mentions are exactly those its packaged program's --help lists (for
# cairnctl: the overview and every command's own --help).
set -euo pipefail
deb=${1:?usage: man_pages.sh PACKAGE.deb}
[ -f "$deb" ] || { echo "no package at $deb" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

# Long options, one a line, sorted: "--name" from "--name", "--name=VALUE" or roff's "\-\-name".
long_options() { sed 's/\\-/-/g' | { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' || true; } | sort -u; }

help_of() {
  local program=$1
  "$program" --help
  if [ "$(basename "$program")" = cairnctl ]; then
    local command
    for command in $("$program" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
      "$program" "$command" --help
    done
  fi
}

declare -A page_of=(
  [cairnctl]=usr/bin/cairnctl
  [cairn-supervisord]=usr/sbin/cairn-supervisord
  [cairn-exporter]=usr/bin/cairn-exporter
  [cairn-logshipd]=usr/bin/cairn-logshipd
)
for name in cairnctl cairn-supervisord cairn-exporter cairn-logshipd; do
  program=$root/${page_of[$name]}
  page=$root/usr/share/man/man8/$name.8.gz
  if [ ! -x "$program" ]; then fail "$name is not in the package"; continue; fi
  if [ ! -f "$page" ]; then fail "$name(8) is not in the package (usr/share/man/man8/$name.8.gz)"; continue; fi
  gzip -t "$page" || fail "$name.8.gz is not a valid gzip file"

  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
  [ -z "$warnings" ] || fail "$name(8) renders with warnings: $warnings"
  lexgrog "$page" > /dev/null || fail "lexgrog finds no NAME line in $name(8)"

  from_help=$(help_of "$program" | long_options)
  from_page=$(zcat "$page" | long_options)
  if [ "$from_help" != "$from_page" ]; then
    fail "$name(8) and $name --help list different options:"
    comm -23 <(echo "$from_help") <(echo "$from_page") | sed '/^$/d; s/^/  only in --help: /' >&2
    comm -13 <(echo "$from_help") <(echo "$from_page") | sed '/^$/d; s/^/  only in the man page: /' >&2
  else
    echo "ok: $name(8) is in the package and lists the $(echo "$from_help" | wc -l) options of --help"
  fi
done

for unit in "$root"/lib/systemd/system/cairn-*.service; do
  for ref in $(sed -n 's/^Documentation=//p' "$unit"); do
    case $ref in
      man:*)
        page=${ref#man:}          # cairnctl(8)
        section=${page#*(}
        section=${section%)}
        file=$root/usr/share/man/man$section/${page%%(*}.$section.gz
        [ -f "$file" ] || fail "$(basename "$unit") names $ref, which is not in the package"
        ;;
    esac
  done
done
[ $status -eq 0 ] && echo "man pages: all present and in step with --help"
exit $status
