/* bufpool.i - SWIG interface of the bufpool bindings (Python and Lua).
 * Common part only; each language's wrapping lives in its own file. */
%module bufpool

%{
#include "bufpool.h"
%}

#if defined(SWIGPYTHON)
%include "python.i"
#elif defined(SWIGLUA)
%include "lua.i"
#endif
