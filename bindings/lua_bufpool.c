/*
 * lua_bufpool.c - the idiomatic Lua 5.4 layer of the bufpool binding.
 *
 * Two full-userdata types, each holding one C handle:
 *   bufpool.Pool    { bp_pool *pool }  NULL once closed
 *   bufpool.Buffer  { bp_ref  *ref  }  NULL once released
 * The userdata is always created (with its metatable, hence its __gc) before
 * the C object, so a Lua memory error can never leak a buffer or a pool, and
 * __gc / release / close only ever see a valid handle or NULL.
 *
 * A Buffer does not keep its Pool alive: the core guarantees that buffers
 * still out when a pool is closed (bp_pool_uninit) stay valid and are freed
 * when their last reference is dropped, so Pool and Buffer userdata may be
 * collected in any order (including at lua_close()).
 *
 * Every offset, length, byte value and option is checked before use; all
 * offsets are 1-based like Lua strings.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "bufpool.h"
#include "lua_bufpool.h"

typedef struct lbp_buffer {
    bp_ref *ref;
} lbp_buffer;

typedef struct lbp_pool {
    bp_pool *pool;
    size_t   size;
    size_t   max_buffers;
} lbp_pool;

/* ------------------------------------------------------------------------ */
/* Argument helpers                                                          */

/* An integer argument: a Lua integer or a float with an exact integer value.
 * Strings are not converted. */
static lua_Integer check_int(lua_State *L, int arg, const char *what)
{
    int isnum = 0;
    lua_Integer v;

    if (lua_type(L, arg) != LUA_TNUMBER)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s must be an integer, got %s",
                                              what, luaL_typename(L, arg)));
    v = lua_tointegerx(L, arg, &isnum);
    if (!isnum)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s must be an integer, got %s",
                                              what, lua_tostring(L, arg)));
    return v;
}

static lua_Integer check_nonneg(lua_State *L, int arg, const char *what)
{
    lua_Integer v = check_int(L, arg, what);
    if (v < 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s must not be negative, got %I",
                                              what, v));
    return v;
}

static lbp_buffer *check_buffer_ud(lua_State *L, int arg)
{
    return (lbp_buffer *)luaL_checkudata(L, arg, BP_LUA_BUFFER);
}

static bp_ref *check_buffer(lua_State *L, int arg)
{
    lbp_buffer *b = check_buffer_ud(L, arg);
    if (b->ref == NULL)
        luaL_error(L, "bufpool: attempt to use a released buffer");
    return b->ref;
}

static lbp_pool *check_pool_ud(lua_State *L, int arg)
{
    return (lbp_pool *)luaL_checkudata(L, arg, BP_LUA_POOL);
}

static lbp_pool *check_pool(lua_State *L, int arg)
{
    lbp_pool *p = check_pool_ud(L, arg);
    if (p->pool == NULL)
        luaL_error(L, "bufpool: attempt to use a closed pool");
    return p;
}

/* Resolves an optional (offset, length) pair at arguments arg, arg + 1 for a
 * buffer of size bytes.  offset is 1-based and defaults to 1; length
 * defaults to the rest of the buffer.  On return [*start, *start + *len) is
 * inside the buffer. */
static void check_range(lua_State *L, int arg, size_t size, size_t *start,
                        size_t *len)
{
    lua_Integer off = 1, n;
    size_t s;

    if (!lua_isnoneornil(L, arg)) {
        off = check_int(L, arg, "offset");
        if (off < 1)
            luaL_argerror(L, arg, lua_pushfstring(L,
                "offset must be >= 1 (offsets are 1-based), got %I", off));
    }
    if ((lua_Unsigned)(off - 1) > size)
        luaL_argerror(L, arg, lua_pushfstring(L,
            "offset %I is out of range (buffer size %I)", off, (lua_Integer)size));
    s = (size_t)(off - 1);
    if (lua_isnoneornil(L, arg + 1)) {
        *len = size - s;
    } else {
        n = check_nonneg(L, arg + 1, "length");
        if ((lua_Unsigned)n > size - s)
            luaL_argerror(L, arg + 1, lua_pushfstring(L,
                    "%I bytes at offset %I are out of bounds (buffer size %I)",
                n, off, (lua_Integer)size));
        *len = (size_t)n;
    }
    *start = s;
}

static const char *errno_name(int e)
{
    switch (e) {
    case EAGAIN:    return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOMEM:    return "ENOMEM";
    case EINVAL:    return "EINVAL";
    default:        return "EIO";
    }
}

/* ------------------------------------------------------------------------ */
/* Buffer                                                                    */

/* Pushes a new, empty Buffer userdata (ref NULL) with its metatable. */
static lbp_buffer *push_buffer(lua_State *L)
{
    lbp_buffer *b = (lbp_buffer *)lua_newuserdatauv(L, sizeof *b, 0);
    b->ref = NULL;
    luaL_setmetatable(L, BP_LUA_BUFFER);
    return b;
}

static int buffer_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_buffer(L, 1)->size);
    return 1;
}

/* b:write(offset, s) */
static int buffer_write(lua_State *L)
{
    bp_ref *ref = check_buffer(L, 1);
    lua_Integer off = check_int(L, 2, "offset");
    size_t len, s;
    const char *str;

    if (lua_type(L, 3) != LUA_TSTRING)
        luaL_argerror(L, 3, lua_pushfstring(L, "string expected, got %s",
                                            luaL_typename(L, 3)));
    str = lua_tolstring(L, 3, &len);
    if (off < 1)
        luaL_argerror(L, 2, lua_pushfstring(L,
            "offset must be >= 1 (offsets are 1-based), got %I", off));
    s = (size_t)(off - 1);
    if ((lua_Unsigned)(off - 1) > ref->size || len > ref->size - s)
        return luaL_argerror(L, 2, lua_pushfstring(L,
            "writing %I bytes at offset %I is out of bounds (buffer size %I)",
            (lua_Integer)len, off, (lua_Integer)ref->size));
    if (len)
        memcpy(ref->data + s, str, len);
    return 0;
}

/* b:read([offset [, length]]) -> string */
static int buffer_read(lua_State *L)
{
    bp_ref *ref = check_buffer(L, 1);
    size_t s, len;

    check_range(L, 2, ref->size, &s, &len);
    lua_pushlstring(L, (const char *)ref->data + s, len);
    return 1;
}

/* b:fill(byte [, offset [, length]]) */
static int buffer_fill(lua_State *L)
{
    bp_ref *ref = check_buffer(L, 1);
    lua_Integer v = check_int(L, 2, "byte");
    size_t s, len;

    if (v < 0 || v > 255)
        luaL_argerror(L, 2, lua_pushfstring(L, "byte must be in 0..255, got %I", v));
    check_range(L, 3, ref->size, &s, &len);
    if (len)
        memset(ref->data + s, (int)v, len);
    return 0;
}

/* b:dup() -> Buffer: a new reference to the same memory */
static int buffer_dup(lua_State *L)
{
    bp_ref *ref = check_buffer(L, 1);
    lbp_buffer *nb = push_buffer(L);

    nb->ref = bp_dup(ref);
    if (nb->ref == NULL)
        return luaL_error(L, "bufpool: dup failed: out of memory");
    return 1;
}

static int buffer_refcount(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)bp_refcount(check_buffer(L, 1)));
    return 1;
}

static int buffer_writable(lua_State *L)
{
    lua_pushboolean(L, bp_is_writable(check_buffer(L, 1)) == 1);
    return 1;
}

/* b:make_writable(): copies the bytes into a buffer of its own if shared */
static int buffer_make_writable(lua_State *L)
{
    lbp_buffer *b = check_buffer_ud(L, 1);
    int r;

    check_buffer(L, 1);
    r = bp_make_writable(&b->ref);
    if (r < 0)
        return luaL_error(L, "bufpool: make_writable failed: %s", strerror(-r));
    return 0;
}

/* b:release(), __gc, __close: idempotent */
static int buffer_release(lua_State *L)
{
    lbp_buffer *b = check_buffer_ud(L, 1);
    bp_unref(&b->ref);
    return 0;
}

static int buffer_tostring(lua_State *L)
{
    lbp_buffer *b = check_buffer_ud(L, 1);
    if (b->ref == NULL)
        lua_pushliteral(L, "bufpool.Buffer(released)");
    else
        lua_pushfstring(L, "bufpool.Buffer(%I bytes, %I refs)",
                        (lua_Integer)b->ref->size,
                        (lua_Integer)bp_refcount(b->ref));
    return 1;
}

static const luaL_Reg buffer_methods[] = {
    { "write",         buffer_write },
    { "read",          buffer_read },
    { "fill",          buffer_fill },
    { "dup",           buffer_dup },
    { "refcount",      buffer_refcount },
    { "writable",      buffer_writable },
    { "make_writable", buffer_make_writable },
    { "release",       buffer_release },
    { NULL, NULL }
};

static const luaL_Reg buffer_meta[] = {
    { "__len",      buffer_len },
    { "__tostring", buffer_tostring },
    { "__gc",       buffer_release },
    { "__close",    buffer_release },
    { NULL, NULL }
};

static int alloc_common(lua_State *L, int zero)
{
    lua_Integer n = check_nonneg(L, 1, "size");
    lbp_buffer *b = push_buffer(L);

    b->ref = zero ? bp_allocz((size_t)n) : bp_alloc((size_t)n);
    if (b->ref == NULL)
        return luaL_error(L, "bufpool: cannot allocate %I bytes: %s", n,
                          strerror(errno));
    return 1;
}

int bp_lua_alloc(lua_State *L)
{
    return alloc_common(L, 0);
}

int bp_lua_allocz(lua_State *L)
{
    return alloc_common(L, 1);
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                      */

/* Value of option `name` at the top of the stack, as a size_t >= 0. */
static size_t opt_size(lua_State *L, const char *name)
{
    int isnum = 0;
    lua_Integer v;

    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "bufpool.Pool: option '%s' must be an integer, got %s",
                   name, luaL_typename(L, -1));
    v = lua_tointegerx(L, -1, &isnum);
    if (!isnum)
        luaL_error(L, "bufpool.Pool: option '%s' must be an integer, got %s",
                   name, lua_tostring(L, -1));
    if (v < 0)
        luaL_error(L, "bufpool.Pool: option '%s' must not be negative, got %I",
                   name, v);
    return (size_t)v;
}

static int opt_bool(lua_State *L, const char *name)
{
    if (lua_type(L, -1) != LUA_TBOOLEAN)
        luaL_error(L, "bufpool.Pool: option '%s' must be a boolean, got %s",
                   name, luaL_typename(L, -1));
    return lua_toboolean(L, -1);
}

/* bufpool.Pool(size [, {max_buffers=, min_buffers=, align=, zero=, poison=}]) */
int bp_lua_pool_new(lua_State *L)
{
    bp_pool_config cfg;
    lbp_pool *p;
    lua_Integer size = check_int(L, 1, "size");

    bp_pool_config_init(&cfg);
    if (size <= 0)
        luaL_argerror(L, 1, lua_pushfstring(L, "size must be > 0, got %I", size));
    cfg.size = (size_t)size;

    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2) != 0) {
            const char *k;
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "bufpool.Pool: option names must be "
                                  "strings, got %s", luaL_typename(L, -2));
            k = lua_tostring(L, -2);
            if (strcmp(k, "max_buffers") == 0)
                cfg.max_buffers = opt_size(L, k);
            else if (strcmp(k, "min_buffers") == 0)
                cfg.min_buffers = opt_size(L, k);
            else if (strcmp(k, "align") == 0)
                cfg.align = opt_size(L, k);
            else if (strcmp(k, "zero") == 0)
                cfg.flags = opt_bool(L, k) ? (cfg.flags | BP_POOL_ZERO)
                                           : (cfg.flags & ~BP_POOL_ZERO);
            else if (strcmp(k, "poison") == 0)
                cfg.flags = opt_bool(L, k) ? (cfg.flags | BP_POOL_POISON)
                                           : (cfg.flags & ~BP_POOL_POISON);
            else
                return luaL_error(L, "bufpool.Pool: unknown option '%s' (valid: "
                                  "max_buffers, min_buffers, align, zero, poison)",
                                  k);
            lua_pop(L, 1);
        }
    }
    if (cfg.align & (cfg.align - 1))
        return luaL_error(L, "bufpool.Pool: option 'align' must be 0 or a power "
                          "of two, got %I", (lua_Integer)cfg.align);
    if (cfg.max_buffers > BP_POOL_MAX_BUFFERS || cfg.min_buffers > BP_POOL_MAX_BUFFERS)
        return luaL_error(L, "bufpool.Pool: max_buffers and min_buffers must be "
                          "at most %I", (lua_Integer)BP_POOL_MAX_BUFFERS);
    if (cfg.max_buffers && cfg.min_buffers > cfg.max_buffers)
        return luaL_error(L, "bufpool.Pool: min_buffers (%I) is above "
                          "max_buffers (%I)", (lua_Integer)cfg.min_buffers,
                          (lua_Integer)cfg.max_buffers);

    p = (lbp_pool *)lua_newuserdatauv(L, sizeof *p, 0);
    p->pool = NULL;
    p->size = cfg.size;
    p->max_buffers = cfg.max_buffers;
    luaL_setmetatable(L, BP_LUA_POOL);
    p->pool = bp_pool_new(&cfg);
    if (p->pool == NULL)
        return luaL_error(L, "bufpool.Pool: cannot create a pool of %I-byte "
                          "buffers: %s", size, strerror(errno));
    return 1;
}

/* pool:get([timeout]) -> Buffer | nil, message, code
 * timeout: nil or absent never waits; else seconds (>= 0, math.huge waits
 * forever) to wait for a release when the pool is at max_buffers. */
static int pool_get(lua_State *L)
{
    lbp_pool *p = check_pool(L, 1);
    lbp_buffer *b;
    int64_t ns = 0;
    int wait = 0, e;
    double t = 0;

    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TNUMBER)
            luaL_argerror(L, 2, lua_pushfstring(L, "timeout must be a number of "
                          "seconds, got %s", luaL_typename(L, 2)));
        t = (double)lua_tonumber(L, 2);
        if (!(t >= 0))
            luaL_argerror(L, 2, lua_pushfstring(L, "timeout must be >= 0 "
                          "seconds, got %f", (lua_Number)t));
        wait = 1;
        ns = t >= 9.0e9 ? -1 : (int64_t)(t * 1e9);   /* ~285 years: forever */
    }
    lua_settop(L, 2);
    b = push_buffer(L);
    b->ref = wait ? bp_pool_get_timeout(p->pool, ns) : bp_pool_get(p->pool);
    if (b->ref != NULL)
        return 1;
    e = errno;
    lua_pushnil(L);
    switch (e) {
    case EAGAIN:
        lua_pushfstring(L, "bufpool: pool exhausted (all %I buffers in use)",
                        (lua_Integer)p->max_buffers);
        break;
    case ETIMEDOUT:
        lua_pushfstring(L, "bufpool: timed out after %f s waiting for a free "
                        "buffer (all %I in use)", (lua_Number)t,
                        (lua_Integer)p->max_buffers);
        break;
    case ENOMEM:
        return luaL_error(L, "bufpool: cannot allocate a %I-byte buffer: out of "
                          "memory", (lua_Integer)p->size);
    default:
        return luaL_error(L, "bufpool: get failed: %s", strerror(e));
    }
    lua_pushstring(L, errno_name(e));
    return 3;
}

/* pool:trim([keep_idle = 0]) -> number freed */
static int pool_trim(lua_State *L)
{
    lbp_pool *p = check_pool(L, 1);
    lua_Integer keep = 0;

    if (!lua_isnoneornil(L, 2))
        keep = check_nonneg(L, 2, "keep_idle");
    lua_pushinteger(L, (lua_Integer)bp_pool_trim(p->pool, (size_t)keep));
    return 1;
}

/* pool:stats() -> table */
static int pool_stats(lua_State *L)
{
    lbp_pool *p = check_pool(L, 1);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    int r = bp_pool_get_stats(p->pool, &st);

    if (r < 0)
        return luaL_error(L, "bufpool: stats failed: %s", strerror(-r));
    lua_createtable(L, 0, 8);
#define SETFIELD(name, v) (lua_pushinteger(L, (lua_Integer)(v)), \
                           lua_setfield(L, -2, name))
    SETFIELD("gets", st.gets);
    SETFIELD("reuses", st.reuses);
    SETFIELD("allocs", st.allocs);
    SETFIELD("failures", st.failures);
    SETFIELD("in_use", st.in_use);
    SETFIELD("idle", st.idle);
    SETFIELD("peak_in_use", st.peak_in_use);
    SETFIELD("size", p->size);
    SETFIELD("max_buffers", p->max_buffers);
#undef SETFIELD
    return 1;
}

/* pool:close(), __gc, __close: idempotent; buffers still out stay valid */
static int pool_close(lua_State *L)
{
    lbp_pool *p = check_pool_ud(L, 1);
    bp_pool_uninit(&p->pool);
    return 0;
}

static int pool_tostring(lua_State *L)
{
    lbp_pool *p = check_pool_ud(L, 1);
    if (p->pool == NULL)
        lua_pushfstring(L, "bufpool.Pool(%I bytes, closed)", (lua_Integer)p->size);
    else if (p->max_buffers)
        lua_pushfstring(L, "bufpool.Pool(%I bytes, max %I buffers)",
                        (lua_Integer)p->size, (lua_Integer)p->max_buffers);
    else
        lua_pushfstring(L, "bufpool.Pool(%I bytes)", (lua_Integer)p->size);
    return 1;
}

static const luaL_Reg pool_methods[] = {
    { "get",   pool_get },
    { "trim",  pool_trim },
    { "stats", pool_stats },
    { "close", pool_close },
    { NULL, NULL }
};

static const luaL_Reg pool_meta[] = {
    { "__tostring", pool_tostring },
    { "__gc",       pool_close },
    { "__close",    pool_close },
    { NULL, NULL }
};

/* ------------------------------------------------------------------------ */

static void new_meta(lua_State *L, const char *name, const luaL_Reg *meta,
                     const luaL_Reg *methods)
{
    if (luaL_newmetatable(L, name)) {
        luaL_setfuncs(L, meta, 0);
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushstring(L, name);            /* getmetatable(x) == name: the */
        lua_setfield(L, -2, "__metatable"); /* metatable cannot be changed */
    }
    lua_pop(L, 1);
}

void bp_lua_init(lua_State *L)
{
    new_meta(L, BP_LUA_BUFFER, buffer_meta, buffer_methods);
    new_meta(L, BP_LUA_POOL, pool_meta, pool_methods);
}
