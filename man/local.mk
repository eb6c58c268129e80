# Section-3 man pages: one per function of lib/bufpool.h and bufpool(3),
# generated from the header's comments by man/genman.py, so that a function
# added to the header gets its page (and the build fails when its comment
# is missing or names none of its errors).  The pages are in the tarball:
# building from it needs no Python.  make install puts them in $(bp_man3dir).
MAN3_DIR = man/man3
bp_man3dir = $(mandir)/man3
EXTRA_DIST += man/genman.py t/man-pages.sh t/man-pages-runner.py
man/man3.stamp: $(srcdir)/lib/bufpool.h $(srcdir)/man/genman.py
	@if test -z '$(BP_PYTHON3)'; then \
	  echo "make: python3 is needed to generate the man pages from" \
	    "lib/bufpool.h (tarballs contain them)" >&2; exit 1; fi
	$(AM_V_GEN)$(MKDIR_P) $(MAN3_DIR) && \
	$(BP_PYTHON3) $(srcdir)/man/genman.py --header $(srcdir)/lib/bufpool.h \
	  --out $(MAN3_DIR) --version $(PACKAGE_VERSION) && touch $@

all-local: man/man3.stamp

# The pages' directory: the build tree's, else (a tarball's pages, up to
# date) the source tree's.
man3_src = d=$(MAN3_DIR); test -f $$d/bufpool.3 || d=$(srcdir)/$(MAN3_DIR)

install-data-local: man3-install-data-local
man3-install-data-local: man/man3.stamp
	@$(man3_src); $(MKDIR_P) '$(DESTDIR)$(bp_man3dir)' || exit 1; \
	for f in $$d/*.3; do \
	  echo " $(INSTALL_DATA) $$f '$(DESTDIR)$(bp_man3dir)'"; \
	  $(INSTALL_DATA) $$f '$(DESTDIR)$(bp_man3dir)' || exit 1; \
	done

uninstall-local: man3-uninstall-local
man3-uninstall-local:
	@$(man3_src); for f in $$d/*.3; do \
	  echo " rm -f '$(DESTDIR)$(bp_man3dir)/'`basename $$f`"; \
	  rm -f "$(DESTDIR)$(bp_man3dir)/`basename $$f`"; \
	done

dist-hook: man3-dist-hook
man3-dist-hook: man/man3.stamp
	@$(man3_src); $(MKDIR_P) $(distdir)/$(MAN3_DIR) && \
	cp -p $$d/*.3 $(distdir)/$(MAN3_DIR)/ && \
	s=man/man3.stamp; test -f $$s || s=$(srcdir)/$$s; \
	cp -p $$s $(distdir)/man/man3.stamp

maintainer-clean-local: man3-maintainer-clean-local
man3-maintainer-clean-local:
	-rm -rf $(MAN3_DIR) man/man3.stamp

# Every function of the header has its page, listing its errors.
TESTS += t/man-pages.sh
