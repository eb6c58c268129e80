/*
 * lua.i - Lua's idioms for the object model of bindings/bufpool.i.
 *
 * One source for Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT 2.1 (the lbp_* compat
 * helpers below are the only version-dependent code).  SWIG generates the
 * module and a wrapper for every method and attribute of the object model;
 * this file adds what is Lua's own:
 *   - the objects: full userdata embedding their bpb_buffer / bpb_pool
 *     behind SWIG's userdata header, created before the C object so that a
 *     Lua memory error can never leak a buffer or a pool;
 *   - plain metatables (lua_post.i) instead of SWIG's class dispatch:
 *     methods and attributes (as methods: b:refcount()) in one table, b[i]
 *     the byte at 1-based i, an unknown key an error, __len, __tostring,
 *     __gc, __close (5.4), __name and a protected __metatable;
 *   - 1-based ranges: b:read(offset, length), b:write(offset, s),
 *     b:fill(byte, offset, length), b:slice(offset, length);
 *   - failures: an expected one (pool exhausted, timed out) returns
 *     nil, message, "EAGAIN" | "ETIMEDOUT"; anything else raises;
 *   - bufpool.Pool(size, {options}) (lua_post.i) and a full garbage
 *     collection before a get at the cap fails or waits.
 */

/* Offsets are 1-based in Lua, in the model's messages too. */
%runtime %{
#define BPM_OFFSET_BASE 1
%}

%{
#include <math.h>
#include <stdlib.h>

int luaopen_bufpool(lua_State *L);

/* --- Lua 5.1 - 5.4 and LuaJIT ---------------------------------------------- */

#if LUA_VERSION_NUM >= 504
#define lbp_newuserdata(L, n) lua_newuserdatauv((L), (n), 0)
#else
#define lbp_newuserdata(L, n) lua_newuserdata((L), (n))
#endif

/* An integer argument: a number with an integral value (strings are not
 * converted).  1 and *v, or 0. */
static int lbp_tointeger(lua_State *L, int idx, lua_Integer *v)
{
#if LUA_VERSION_NUM >= 503
    int ok = 0;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    *v = lua_tointegerx(L, idx, &ok);
    return ok;
#else
    lua_Number n;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, idx);
    if (!(n == floor(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0))
        return 0;
    *v = (lua_Integer)n;
    return 1;
#endif
}

/* luaL_argerror with a formatted message (the same text on every
 * version: no lua_pushfstring %I/%f). */
static int lbp_argerror(lua_State *L, int arg, const char *fmt, ...) BPM_PRINTF(3, 4);
static int lbp_argerror(lua_State *L, int arg, const char *fmt, ...)
{
    char msg[BPM_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return luaL_argerror(L, arg, msg);
}

/* The type of a value for messages: the __name of a userdata's metatable
 * (ours set it on every version), else the basic type. */
static const char *lbp_typename(lua_State *L, int idx)
{
    const char *name = NULL;
    if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        lua_getfield(L, -1, "__name");
        name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        lua_pop(L, 2);   /* the string stays referenced by the metatable */
    }
    return name ? name : luaL_typename(L, idx);
}

/* The text of a number argument for messages. */
static const char *lbp_numstr(lua_State *L, int idx, char *buf, size_t n)
{
    lua_Integer i;
    if (lbp_tointeger(L, idx, &i))
        snprintf(buf, n, "%lld", (long long)i);
    else
        snprintf(buf, n, "%.14g", (double)lua_tonumber(L, idx));
    return buf;
}

/* size_t argument idx named what. */
static size_t lbp_checksize(lua_State *L, int idx, const char *what)
{
    lua_Integer v = 0;
    char num[48];
    if (!lbp_tointeger(L, idx, &v))
        lbp_argerror(L, idx, "%s must be an integer, got %s", what,
                     lua_type(L, idx) == LUA_TNUMBER
                         ? lbp_numstr(L, idx, num, sizeof num)
                         : lua_isnone(L, idx) ? "no value" : lbp_typename(L, idx));
    if (v < 0)
        lbp_argerror(L, idx, "%s must not be negative, got %lld", what,
                     (long long)v);
    return (size_t)v;
}

/* A 1-based offset argument (optional: default 1). */
static size_t lbp_checkoffset(lua_State *L, int idx, int optional)
{
    lua_Integer v = 0;
    char num[48];
    if (optional && lua_isnoneornil(L, idx))
        return 1;
    if (!lbp_tointeger(L, idx, &v))
        lbp_argerror(L, idx, "offset must be an integer, got %s",
                     lua_type(L, idx) == LUA_TNUMBER
                         ? lbp_numstr(L, idx, num, sizeof num)
                         : lua_isnone(L, idx) ? "no value" : lbp_typename(L, idx));
    if (v < 1)
        lbp_argerror(L, idx, "offset must be >= 1 (offsets are 1-based), got "
                     "%lld", (long long)v);
    return (size_t)v;
}

/* --- The objects ------------------------------------------------------------- */

/* SWIG's userdata header first: its generated code reads sw.ptr. */
typedef struct lbp_buffer {
    swig_lua_userdata sw;       /* sw.ptr == &b */
    bpb_buffer        b;
} lbp_buffer;

typedef struct lbp_pool {
    swig_lua_userdata sw;       /* sw.ptr == &p */
    bpb_pool          p;
} lbp_pool;

/* Registry keys of the two metatables. */
static char lbp_buffer_key, lbp_pool_key;

static void lbp_push_meta(lua_State *L, void *key)
{
    lua_pushlightuserdata(L, key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

/* The object at idx if it is one of ours of type ty and size n, else NULL.
 * Only this module makes full userdata of that size starting with that
 * SWIG type (as SWIG's own runtime, which trusts the header alone). */
static void *lbp_test(lua_State *L, int idx, swig_type_info *ty, size_t n)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    if (u && lua_type(L, idx) == LUA_TUSERDATA && lua_rawlen(L, idx) == n &&
        u->type == ty)
        return u;
    return NULL;
}

static void *lbp_check(lua_State *L, int idx, swig_type_info *ty, size_t n,
                       const char *name)
{
    void *u = lbp_test(L, idx, ty, n);
    if (!u)
        lbp_argerror(L, idx, "%s expected, got %s", name,
                     lua_isnone(L, idx) ? "no value" : lbp_typename(L, idx));
    return u;
}

#define lbp_test_buffer(L, i) ((lbp_buffer *)lbp_test((L), (i), \
    SWIGTYPE_p_bpb_buffer, sizeof(lbp_buffer)))
#define lbp_test_pool(L, i) ((lbp_pool *)lbp_test((L), (i), \
    SWIGTYPE_p_bpb_pool, sizeof(lbp_pool)))
#define lbp_check_buffer(L, i) ((lbp_buffer *)lbp_check((L), (i), \
    SWIGTYPE_p_bpb_buffer, sizeof(lbp_buffer), "bufpool.Buffer"))
#define lbp_check_pool(L, i) ((lbp_pool *)lbp_check((L), (i), \
    SWIGTYPE_p_bpb_pool, sizeof(lbp_pool), "bufpool.Pool"))

/* Pushes a new Buffer userdata holding no reference yet. */
static lbp_buffer *lbp_new_buffer(lua_State *L)
{
    lbp_buffer *u = (lbp_buffer *)lbp_newuserdata(L, sizeof *u);
    u->sw.type = SWIGTYPE_p_bpb_buffer;
    u->sw.own = 0;
    u->sw.ptr = &u->b;
    u->b.ref = NULL;
    lbp_push_meta(L, &lbp_buffer_key);
    lua_setmetatable(L, -2);
    return u;
}

/* --- Failures ---------------------------------------------------------------- */

/* Returns the failure recorded by bpm_fail: pushes nil, message, code and
 * returns 3 for an expected outcome (no buffer now, or in time); else
 * raises. */
static int lbp_raise(lua_State *L)
{
    switch (bpm_kind_of(bpm_err)) {
    case BPM_EXHAUSTED:
    case BPM_TIMEOUT:
        lua_pushnil(L);
        lua_pushstring(L, bpm_msg);
        lua_pushstring(L, bpm_err == EAGAIN ? "EAGAIN" : "ETIMEDOUT");
        return 3;
    default:
        lua_pushstring(L, bpm_msg);
        return lua_error(L);
    }
}

/* --- The language hooks of bufpool.i --------------------------------------- */

static bp_ref *bpm_lang_wait(bpb_pool *p, int64_t timeout_ns, void *ctx)
{
    bp_ref *r;
    int e;
    (void)ctx;
    p->waiters++;
    errno = 0;
    r = bp_pool_get_timeout(p->pool, timeout_ns);
    e = errno;
    p->waiters--;
    bpm_pool_leave(p);
    if (r)
        return r;
    if (e == ETIMEDOUT)
        return bpm_pool_timed_out(p, timeout_ns);
    bpm_fail(e, "bufpool: cannot allocate a %zu-byte buffer: %s", p->cfg.size,
             e == ENOMEM ? "out of memory" : strerror(e));
    return NULL;
}

/* Buffers dropped without release() are garbage until a collection runs
 * their __gc: one full collection before a get at the cap fails or waits. */
static int bpm_lang_collect(void *ctx)
{
    lua_gc((lua_State *)ctx, LUA_GCCOLLECT, 0);
    return 1;
}

static long bpm_lang_exports(const bpb_buffer *b, bool writable_only)
{
    (void)b;
    (void)writable_only;
    return 0;
}

/* --- 1-based ranges ------------------------------------------------------------ */

/* A byte string result (read). */
typedef struct lbp_bytes {
    const uint8_t *p;
    size_t n;
} lbp_bytes;

/* [offset, offset + length) of ref, 1-based offset, length SIZE_MAX for
 * "to the end"; offset size + 1 is the empty range at the end.  The start
 * (0-based) or -1 with the failure recorded. */
static int64_t lbp_range(const bp_ref *r, size_t offset, size_t *length)
{
    if (offset < 1 || offset - 1 > r->size) {
        bpm_fail(ERANGE, "bufpool.Buffer: offset %zu is out of range (buffer "
                 "size %zu)", offset, r->size);
        return -1;
    }
    if (*length == SIZE_MAX)
        *length = r->size - (offset - 1);
    if (*length > r->size - (offset - 1)) {
        bpm_fail(ERANGE, "bufpool.Buffer: %zu bytes at offset %zu are out of "
                 "bounds (buffer size %zu)", *length, offset, r->size);
        return -1;
    }
    return (int64_t)(offset - 1);
}
%}

/* --- Typemaps for the object model ------------------------------------------- */

/* Extra arguments are ignored, as Lua does; missing ones are nil (and each
 * argument's typemap says what it needed). */
%{
#undef SWIG_check_num_args
#define SWIG_check_num_args(func_name, a, b)
%}

%typemap(in) struct bpb_buffer *self
    "$1 = &lbp_check_buffer(L, $input)->b;"
%typemap(in) struct bpb_pool *self
    "$1 = &lbp_check_pool(L, $input)->p;"

/* Functions returning a Buffer: its userdata is made first (see
 * lbp_new_buffer), after the arguments are converted (check typemaps run
 * after every in typemap), then filled by the out typemap. */
%typemap(in, numinputs=0) void *BPB_CTX "$1 = L;"
%typemap(check) void *BPB_CTX "lbp_new_buffer(L);"
%typemap(out) bp_ref * {
    if (!$1)
        return lbp_raise(L);
    ((lbp_buffer *)lua_touserdata(L, -1))->b.ref = $1;
    SWIG_arg = 1;
}
%typemap(out) bpb_rc {
    if ($1 < 0)
        return lbp_raise(L);
}
%typemap(out) bpb_count {
    if ($1 < 0)
        return lbp_raise(L);
    lua_pushinteger(L, (lua_Integer)$1);
    SWIG_arg++;
}
%typemap(out) bpb_flag {
    if ($1 < 0)
        return lbp_raise(L);
    lua_pushboolean(L, $1);
    SWIG_arg++;
}

%typemap(in) size_t "$1 = lbp_checksize(L, $input, \"$1_name\");"
%typemap(in) size_t keep_idle
    "$1 = lua_isnoneornil(L, $input) ? 0 : lbp_checksize(L, $input, \"keep_idle\");"
/* 1-based offsets: OFFSET1 optional (default 1), offset required; the
 * model's slice takes a 0-based BPB_OFFSET */
%typemap(in) size_t OFFSET1 "$1 = lbp_checkoffset(L, $input, 1);"
%typemap(in) size_t offset "$1 = lbp_checkoffset(L, $input, 0);"
%typemap(in) size_t BPB_OFFSET "$1 = lbp_checkoffset(L, $input, 1) - 1;"
/* lengths: optional, to the end of the buffer by default */
%typemap(in) size_t LENGTH, size_t BPB_LENGTH
    "$1 = lua_isnoneornil(L, $input) ? SIZE_MAX : lbp_checksize(L, $input, \"length\");"
%typemap(in) double timeout {
    if (lua_isnoneornil(L, $input))
        $1 = 0;
    else if (lua_type(L, $input) != LUA_TNUMBER)
        return lbp_argerror(L, $input, "timeout must be a number of seconds, "
                            "got %s", lbp_typename(L, $input));
    else if (!((($1 = (double)lua_tonumber(L, $input))) >= 0))
        return lbp_argerror(L, $input, "timeout must be >= 0 seconds, got %g", $1);
}
%typemap(in) int BYTE {
    lua_Integer v = 0;
    if (!lbp_tointeger(L, $input, &v))
        return lbp_argerror(L, $input, "byte must be an integer, got %s",
                            lbp_typename(L, $input));
    if (v < 0 || v > 255)
        return lbp_argerror(L, $input, "byte must be in 0..255, got %lld",
                            (long long)v);
    $1 = (int)v;
}
%typemap(in) (const char *STR, size_t LEN) {
    if (lua_type(L, $input) != LUA_TSTRING)
        return lbp_argerror(L, $input, "string expected, got %s",
                            lbp_typename(L, $input));
    $1 = ($1_ltype)lua_tolstring(L, $input, &$2);
}
%typemap(out) lbp_bytes {
    if (!$1.p)
        return lbp_raise(L);
    lua_pushlstring(L, (const char *)$1.p, $1.n);
    SWIG_arg++;
}
%typemap(out) size_t {
    lua_pushinteger(L, (lua_Integer)$1);
    SWIG_arg++;
}

%typemap(in, numinputs=0) bp_pool_stats *STATS (bp_pool_stats tmp) {
    tmp = (bp_pool_stats)BP_POOL_STATS_INIT;
    $1 = &tmp;
}
%typemap(argout) bp_pool_stats *STATS {
    lua_createtable(L, 0, 7);
#define LBP_FIELD(name) (lua_pushinteger(L, (lua_Integer)$1->name), \
                         lua_setfield(L, -2, #name))
    LBP_FIELD(gets); LBP_FIELD(reuses); LBP_FIELD(allocs); LBP_FIELD(failures);
    LBP_FIELD(in_use); LBP_FIELD(idle); LBP_FIELD(peak_in_use);
#undef LBP_FIELD
    SWIG_arg++;
}

%feature("compactdefaultargs");

/* --- Lua-only members ------------------------------------------------------- */

%extend bpb_buffer {
    /* b:read([offset [, length]]) -> string: length bytes (default: to the
     * end) at the 1-based offset (default 1) */
    lbp_bytes read(size_t OFFSET1, size_t LENGTH) {
        lbp_bytes out = {NULL, 0};
        bp_ref *r = bpm_buffer_live($self);
        int64_t s = r ? lbp_range(r, OFFSET1, &LENGTH) : -1;
        if (s >= 0) {
            out.p = r->data + s;
            out.n = LENGTH;
        }
        return out;
    }
    /* b:write(offset, s): the bytes of s at the 1-based offset */
    bpb_rc write(size_t offset, const char *STR, size_t LEN) {
        bp_ref *r = bpm_buffer_live($self);
        size_t n = LEN;
        int64_t s;
        if (!r)
            return -EBADF;
        s = lbp_range(r, offset, &n);
        if (s < 0)
            return -ERANGE;
        if (LEN)
            memcpy(r->data + s, STR, LEN);
        return 0;
    }
    /* b:fill(byte [, offset [, length]]) */
    bpb_rc fill(int BYTE, size_t OFFSET1, size_t LENGTH) {
        bp_ref *r = bpm_buffer_live($self);
        int64_t s;
        if (!r)
            return -EBADF;
        s = lbp_range(r, OFFSET1, &LENGTH);
        if (s < 0)
            return -ERANGE;
        if (LENGTH)
            memset(r->data + s, BYTE, LENGTH);
        return 0;
    }
}
