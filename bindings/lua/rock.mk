# Makefile of bufpool-scm-1.rockspec (luarocks' "make" build type): the Lua
# module bufpool.so, from the SWIG wrapper of bindings/bufpool.i and the
# library's sources, with bindings/standalone/config.h for configure's
# config.h.  luarocks passes CC, CFLAGS, LIBFLAG, LUA_INCDIR (build) and
# INST_LIBDIR (install).  The configure build is bindings/lua.mk.
SWIG = swig
CC = cc
CFLAGS = -O2 -fPIC
LIBFLAG = -shared
LUA_INCDIR = /usr/include
INST_LIBDIR = /usr/local/lib/lua/5.1
OUT = bindings/lua/rock

all: $(OUT)/bufpool.so

$(OUT)/bufpool_wrap.c: bindings/bufpool.i bindings/lua.i bindings/lua_post.i lib/bufpool.h
	mkdir -p $(OUT)
	$(SWIG) -lua -nomoduleglobal -Ibindings -Ilib -o $@ bindings/bufpool.i

$(OUT)/bufpool.so: $(OUT)/bufpool_wrap.c lib/*.c lib/*.h
	$(CC) $(CFLAGS) -std=gnu11 -pthread -fvisibility=hidden \
	  -Ibindings/standalone -Ilib -I$(LUA_INCDIR) \
	  $(OUT)/bufpool_wrap.c lib/*.c $(LIBFLAG) -pthread -o $@

install: $(OUT)/bufpool.so
	mkdir -p $(INST_LIBDIR)
	cp $(OUT)/bufpool.so $(INST_LIBDIR)/bufpool.so

clean:
	rm -rf $(OUT)

.PHONY: all install clean
