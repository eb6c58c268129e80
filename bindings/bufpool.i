/*
 * bufpool.i - the one SWIG interface of bufpool, shared by all bindings.
 *
 * Common part: the module name and the C header.  Everything a language
 * exposes lives in its own file, included below:
 *   bindings/python.i  (swig -python -builtin; owner: Python binding)
 *   bindings/lua.i     (swig -lua;             owner: Lua binding)
 * The language files must not depend on each other.
 */
%module bufpool

%{
#include "bufpool.h"
%}

#if defined(SWIGPYTHON)
%include "python.i"
#elif defined(SWIGLUA)
%include "lua.i"
#else
#error "bufpool.i: no binding for this SWIG target language"
#endif
