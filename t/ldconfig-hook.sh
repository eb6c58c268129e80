#!/bin/sh
# pkg/ldconfig-hook.sh, run by make install: ldconfig runs only as root,
# without DESTDIR, into a directory the dynamic linker searches.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
hook="$top_srcdir/pkg/ldconfig-hook.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; sed 's/^/# /' "$tmp/out"; fi; }

# A fake ldconfig that records its calls, a fake ld.so.conf with an include.
cat >"$tmp/ldconfig" <<EOT
#!/bin/sh
echo called >>"$tmp/calls"
EOT
chmod +x "$tmp/ldconfig"
mkdir "$tmp/conf.d"
printf '# comment\ninclude %s/conf.d/*.conf\n/opt/listed/lib\n' "$tmp" >"$tmp/ld.so.conf"
printf '/usr/local/lib\n' >"$tmp/conf.d/libc.conf"
printf '/usr/lib/x86_64-linux-gnu\n' >"$tmp/conf.d/multiarch.conf"

# hook UID DESTDIR LIBDIR: sets $calls to the number of ldconfig runs
hook() {
    rm -f "$tmp/calls"
    LDCONFIG="$tmp/ldconfig" BP_LDSO_CONF="$tmp/ld.so.conf" BP_UID=$1 \
        sh "$hook" "$2" "$3" >"$tmp/out" 2>&1
    rc=$?
    calls=$(cat "$tmp/calls" 2>/dev/null | wc -l)
}

hook 0 "" /usr/local/lib
[ $rc -eq 0 ] && [ "$calls" -eq 1 ] && grep -q "update the dynamic linker's cache" "$tmp/out"
ok $? "root, /usr/local/lib (from an included file): ldconfig runs"
hook 0 "" /usr/local/lib/
[ "$calls" -eq 1 ]; ok $? "a trailing slash is the same directory"
hook 0 "" //usr//lib
[ "$calls" -eq 1 ]; ok $? "/usr/lib, always searched"
hook 0 "" /usr/lib/x86_64-linux-gnu
[ "$calls" -eq 1 ]; ok $? "a multiarch directory listed in an included file"
hook 0 "" /opt/listed/lib
[ "$calls" -eq 1 ]; ok $? "a directory listed in ld.so.conf itself"
hook 0 "" /tmp/prefix/lib
[ $rc -eq 0 ] && [ "$calls" -eq 0 ] && grep -q "not a directory the dynamic linker searches" "$tmp/out" &&
    grep -q -- "-Wl,-rpath,/tmp/prefix/lib" "$tmp/out"
ok $? "a private prefix: no ldconfig, a note on -rpath and LD_LIBRARY_PATH"
hook 1000 "" /usr/local/lib
[ $rc -eq 0 ] && [ "$calls" -eq 0 ] && grep -q "not root" "$tmp/out"
ok $? "not root: no ldconfig, a note"
hook 0 /tmp/stage /usr/local/lib
[ $rc -eq 0 ] && [ "$calls" -eq 0 ] && [ ! -s "$tmp/out" ]
ok $? "DESTDIR (a staged install): nothing"
printf '#!/bin/sh\nexit 3\n' >"$tmp/ldconfig"
hook 0 "" /usr/local/lib
[ $rc -eq 0 ] && grep -q "failed (status 3)" "$tmp/out"
ok $? "a failing ldconfig is reported, the install goes on"
echo "1..$n"
exit $fail
