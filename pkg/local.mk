# What make install puts beside the library for C users, and
# make installcheck's test of it (pkg/installcheck.sh):
#   - $(libdir)/cmake/bufpool/bufpoolConfig.cmake and its version file:
#     find_package(bufpool), imported targets bufpool::bufpool (shared, or
#     static), bufpool::bufpool_shared and bufpool::bufpool_static;
#   - README.md and docs/ under $(docdir) (the examples: examples/*/local.mk);
#   - ldconfig after installing as root into a directory the dynamic
#     linker searches (pkg/ldconfig-hook.sh), so that a program linked
#     right after make install starts.
cmakedir = $(libdir)/cmake/bufpool
cmake_DATA = pkg/bufpoolConfig.cmake pkg/bufpoolConfigVersion.cmake
CLEANFILES += $(cmake_DATA)
EXTRA_DIST += pkg/bufpoolConfig.cmake.in pkg/bufpoolConfigVersion.cmake.in \
	pkg/ldconfig-hook.sh pkg/installcheck.sh t/cmake/CMakeLists.txt \
	t/cmake/main.c t/ldconfig-hook.sh docs

# Paths substituted by make, not configure, so that they follow
# `make prefix=... install` as the GNU Coding Standards ask.
pkg_edit = $(SED) -e 's|@libdir[@]|$(libdir)|g' \
	-e 's|@includedir[@]|$(includedir)|g' \
	-e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	-e 's|@SIZEOF_VOID_P[@]|$(BP_SIZEOF_VOID_P)|g'
pkg/bufpoolConfig.cmake: $(srcdir)/pkg/bufpoolConfig.cmake.in Makefile
	$(AM_V_GEN)$(MKDIR_P) pkg && \
	$(pkg_edit) $(srcdir)/pkg/bufpoolConfig.cmake.in >$@.tmp && mv -f $@.tmp $@
pkg/bufpoolConfigVersion.cmake: $(srcdir)/pkg/bufpoolConfigVersion.cmake.in Makefile
	$(AM_V_GEN)$(MKDIR_P) pkg && \
	$(pkg_edit) $(srcdir)/pkg/bufpoolConfigVersion.cmake.in >$@.tmp && mv -f $@.tmp $@

dist_doc_DATA += README.md
install-data-local: pkg-install-data-local
pkg-install-data-local:
	@$(MKDIR_P) '$(DESTDIR)$(docdir)/docs' || exit 1; \
	for f in $(srcdir)/docs/*; do \
	  test -f "$$f" || continue; \
	  echo " $(INSTALL_DATA) $$f '$(DESTDIR)$(docdir)/docs'"; \
	  $(INSTALL_DATA) "$$f" '$(DESTDIR)$(docdir)/docs' || exit 1; \
	done
uninstall-local: pkg-uninstall-local
pkg-uninstall-local:
	@for f in $(srcdir)/docs/*; do \
	  test -f "$$f" || continue; \
	  echo " rm -f '$(DESTDIR)$(docdir)/docs/'`basename $$f`"; \
	  rm -f "$(DESTDIR)$(docdir)/docs/`basename $$f`"; \
	done

install-exec-hook: pkg-install-exec-hook
pkg-install-exec-hook:
	@$(SHELL) $(srcdir)/pkg/ldconfig-hook.sh '$(DESTDIR)' '$(libdir)'

installcheck-local: pkg-installcheck-local
pkg-installcheck-local:
	@DESTDIR='$(DESTDIR)' prefix='$(prefix)' libdir='$(libdir)' \
	includedir='$(includedir)' bindir='$(bindir)' mandir='$(mandir)' \
	docdir='$(docdir)' srcdir='$(srcdir)' CC='$(CC)' CFLAGS='$(CFLAGS)' \
	CMAKE='$(CMAKE)' PKG_CONFIG='$(PKG_CONFIG)' PYTHON3='$(BP_PYTHON3)' \
	  $(SHELL) $(srcdir)/pkg/installcheck.sh

.PHONY: pkg-install-data-local pkg-uninstall-local pkg-install-exec-hook \
	pkg-installcheck-local man3-install-data-local man3-uninstall-local \
	man3-dist-hook man3-maintainer-clean-local

# make check: the hook's decisions (a fake ldconfig and ld.so.conf).
TESTS += t/ldconfig-hook.sh
