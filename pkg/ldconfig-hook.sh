#!/bin/sh
# ldconfig-hook.sh DESTDIR LIBDIR - run by `make install` (install-exec-hook).
#
# After installing a shared library into a directory the dynamic linker
# searches, its cache must be updated (ldconfig) before programs linked
# against the library can start ("libbufpool.so.0: cannot open shared
# object file").  So, as many projects do, this runs ldconfig when:
#   - installing as root (only root can update the cache),
#   - without DESTDIR (a staged install is for a package, whose own
#     scripts run ldconfig on the target system),
#   - into a directory the dynamic linker searches: /lib, /usr/lib,
#     /lib64, /usr/lib64, or one listed in /etc/ld.so.conf (and the files
#     it includes).
# Otherwise it says what to do instead.  A failing ldconfig is reported
# but does not fail the install.
#
# For the tests: LDCONFIG (the command), BP_LDSO_CONF (the file, default
# /etc/ld.so.conf), BP_UID (instead of id -u).
destdir=$1
libdir=$2
conf=${BP_LDSO_CONF:-/etc/ld.so.conf}
uid=${BP_UID:-$(id -u)}

norm() {
    printf '%s\n' "$1" | sed 's://*:/:g; s:/$::'
}

# The directories of a ld.so.conf file and the files it includes.
conf_dirs() {
    [ -r "$1" ] || return 0
    while read -r first rest; do
        case $first in
            ''|'#'*) ;;
            include)
                for pat in $rest; do
                    case $pat in /*) ;; *) pat="$(dirname "$1")/$pat" ;; esac
                    for f in $pat; do
                        [ -f "$f" ] && conf_dirs "$f"
                    done
                done ;;
            *) norm "$first" ;;
        esac
    done <"$1"
}

[ -n "$destdir" ] && exit 0
lib=$(norm "$libdir")
searched=no
for d in /lib /usr/lib /lib64 /usr/lib64 $(conf_dirs "$conf"); do
    [ "$d" = "$lib" ] && searched=yes
done

if [ $searched = no ]; then
    echo "note: $libdir is not a directory the dynamic linker searches (it is"
    echo "note: not in $conf): programs linked with -lbufpool need it in their"
    echo "note: run path (-Wl,-rpath,$libdir) or LD_LIBRARY_PATH, or list it in"
    echo "note: /etc/ld.so.conf.d/ and run ldconfig."
    exit 0
fi
if [ "$uid" != 0 ]; then
    echo "note: not root: the dynamic linker's cache was not updated; if"
    echo "note: programs cannot find libbufpool.so.0, run ldconfig as root."
    exit 0
fi
ldconfig=${LDCONFIG:-}
if [ -z "$ldconfig" ]; then
    ldconfig=$(command -v ldconfig 2>/dev/null) || ldconfig=
    [ -z "$ldconfig" ] && [ -x /sbin/ldconfig ] && ldconfig=/sbin/ldconfig
fi
if [ -z "$ldconfig" ]; then
    echo "note: ldconfig not found: update the dynamic linker's cache yourself."
    exit 0
fi
echo "$ldconfig  (update the dynamic linker's cache for $libdir)"
"$ldconfig" || echo "warning: $ldconfig failed (status $?): run it again as root."
exit 0
