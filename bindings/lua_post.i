/*
 * lua_post.i - the Lua module's metatables and constructor (included at the
 * end of bindings/bufpool.i, after the object model).
 *
 * SWIG made a wrapper for every method and attribute of Pool and Buffer
 * (listed in its swig_lua_class); they go into one plain table per type,
 * attributes as methods (b:refcount()).  SWIG's class dispatch (a lookup
 * through its class tables on every call) is not used: a method call is
 * a table lookup (Pool) or one C function (Buffer, for b[i]).
 */

%{
static const char lbp_pool_options[] =
    "max_buffers, min_buffers, align, zero, poison, cache, no_cache";

static int lbp_raise_released(lua_State *L)
{
    bpm_buffer_live(NULL);
    return lbp_raise(L);
}

/* b[i] (1-based), b.method; anything else raises. */
static int lbp_buffer_index(lua_State *L)
{
    lbp_buffer *u;
    lua_Integer i;
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
        if (!lua_isnil(L, -1))
            return 1;
        return luaL_error(L, "bufpool.Buffer has no field '%s'",
                          lua_tostring(L, 2));
    }
    u = lbp_check_buffer(L, 1);
    if (!lbp_tointeger(L, 2, &i))
        return luaL_error(L, "bufpool.Buffer: index must be an integer or a "
                          "method name, got %s", lbp_typename(L, 2));
    if (!u->b.ref)
        return lbp_raise_released(L);
    if (i < 1 || (uint64_t)i > u->b.ref->size) {
        char msg[BPM_MSG_MAX];
        snprintf(msg, sizeof msg, "bufpool.Buffer: index %lld is out of range "
                 "(1..%zu)", (long long)i, u->b.ref->size);
        lua_pushstring(L, msg);
        return lua_error(L);
    }
    lua_pushinteger(L, u->b.ref->data[i - 1]);
    return 1;
}

/* b[i] = byte; fields cannot be set. */
static int lbp_buffer_newindex(lua_State *L)
{
    lbp_buffer *u = lbp_check_buffer(L, 1);
    lua_Integer i, v;
    char msg[BPM_MSG_MAX], num[48];
    if (!lbp_tointeger(L, 2, &i)) {
        if (lua_type(L, 2) == LUA_TSTRING)
            return luaL_error(L, "bufpool.Buffer: cannot set field '%s'",
                              lua_tostring(L, 2));
        return luaL_error(L, "bufpool.Buffer: index must be an integer, got %s",
                          lbp_typename(L, 2));
    }
    if (!u->b.ref)
        return lbp_raise_released(L);
    if (i < 1 || (uint64_t)i > u->b.ref->size) {
        snprintf(msg, sizeof msg, "bufpool.Buffer: index %lld is out of range "
                 "(1..%zu)", (long long)i, u->b.ref->size);
        lua_pushstring(L, msg);
        return lua_error(L);
    }
    if (!lbp_tointeger(L, 3, &v) || v < 0 || v > 255) {
        snprintf(msg, sizeof msg, "bufpool.Buffer: a byte is an integer in "
                 "0..255, got %s", lua_type(L, 3) == LUA_TNUMBER
                 ? lbp_numstr(L, 3, num, sizeof num) : lbp_typename(L, 3));
        lua_pushstring(L, msg);
        return lua_error(L);
    }
    u->b.ref->data[i - 1] = (uint8_t)v;
    return 0;
}

static int lbp_buffer_len(lua_State *L)
{
    lbp_buffer *u = lbp_check_buffer(L, 1);
    if (!u->b.ref)
        return lbp_raise_released(L);
    lua_pushinteger(L, (lua_Integer)u->b.ref->size);
    return 1;
}

static int lbp_buffer_tostring(lua_State *L)
{
    lbp_buffer *u = lbp_check_buffer(L, 1);
    char s[96];
    if (!u->b.ref)
        snprintf(s, sizeof s, "bufpool.Buffer(released)");
    else
        snprintf(s, sizeof s, "bufpool.Buffer(%zu bytes, %u refs)",
                 u->b.ref->size, bp_refcount(u->b.ref));
    lua_pushstring(L, s);
    return 1;
}

/* __gc, __close: release (idempotent) */
static int lbp_buffer_gc(lua_State *L)
{
    lbp_buffer *u = lbp_test_buffer(L, 1);
    if (u)
        bp_unref(&u->b.ref);
    return 0;
}

/* __gc, __close: close (idempotent; buffers out stay valid) */
static int lbp_pool_gc(lua_State *L)
{
    lbp_pool *u = lbp_test_pool(L, 1);
    if (u)
        bpm_pool_close(&u->p);
    return 0;
}

static int lbp_pool_tostring(lua_State *L)
{
    lbp_pool *u = lbp_check_pool(L, 1);
    char s[96];
    if (!u->p.pool || u->p.closing)
        snprintf(s, sizeof s, "bufpool.Pool(%zu bytes, closed)", u->p.cfg.size);
    else if (u->p.cfg.max_buffers)
        snprintf(s, sizeof s, "bufpool.Pool(%zu bytes, max %zu buffers)",
                 u->p.cfg.size, u->p.cfg.max_buffers);
    else
        snprintf(s, sizeof s, "bufpool.Pool(%zu bytes)", u->p.cfg.size);
    lua_pushstring(L, s);
    return 1;
}

/* __index of the Pool methods table: an unknown method raises. */
static int lbp_pool_nofield(lua_State *L)
{
    return luaL_error(L, "bufpool.Pool has no field '%s'",
                      lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2)
                                                    : lbp_typename(L, 2));
}

/* The value of option name (at the top of the stack). */
static size_t lbp_opt_size(lua_State *L, const char *name)
{
    lua_Integer v = 0;
    char num[48];
    if (!lbp_tointeger(L, -1, &v)) {
        lua_pushfstring(L, "bufpool.Pool: option '%s' must be an integer, got %s",
                        name, lua_type(L, -1) == LUA_TNUMBER
                            ? lbp_numstr(L, -1, num, sizeof num)
                            : lbp_typename(L, -1));
        lua_error(L);
    }
    if (v < 0) {
        snprintf(num, sizeof num, "%lld", (long long)v);
        lua_pushfstring(L, "bufpool.Pool: option '%s' must not be negative, "
                        "got %s", name, num);
        lua_error(L);
    }
    return (size_t)v;
}

static unsigned lbp_opt_flag(lua_State *L, const char *name, unsigned flag)
{
    if (lua_type(L, -1) != LUA_TBOOLEAN) {
        lua_pushfstring(L, "bufpool.Pool: option '%s' must be a boolean, got %s",
                        name, lbp_typename(L, -1));
        lua_error(L);
    }
    return lua_toboolean(L, -1) ? flag : 0;
}

/* bufpool.Pool(size [, {max_buffers =, min_buffers =, align =, zero =,
 * poison =, cache =, no_cache =}]): the config is checked by the core. */
static int lbp_pool_new(lua_State *L)
{
    bp_pool_config cfg;
    lbp_pool *u;
    bp_pool_config_init(&cfg);
    cfg.size = lbp_checksize(L, 1, "size");
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TTABLE)
            return lbp_argerror(L, 2, "table expected, got %s",
                                lbp_typename(L, 2));
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k;
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "bufpool.Pool: option names must be "
                                  "strings, got %s", lbp_typename(L, -2));
            k = lua_tostring(L, -2);
            if (!strcmp(k, "max_buffers"))
                cfg.max_buffers = lbp_opt_size(L, k);
            else if (!strcmp(k, "min_buffers"))
                cfg.min_buffers = lbp_opt_size(L, k);
            else if (!strcmp(k, "align"))
                cfg.align = lbp_opt_size(L, k);
            else if (!strcmp(k, "cache"))
                cfg.cache = lbp_opt_size(L, k);
            else if (!strcmp(k, "zero"))
                cfg.flags |= lbp_opt_flag(L, k, BP_POOL_ZERO);
            else if (!strcmp(k, "poison"))
                cfg.flags |= lbp_opt_flag(L, k, BP_POOL_POISON);
            else if (!strcmp(k, "no_cache"))
                cfg.flags |= lbp_opt_flag(L, k, BP_POOL_NO_CACHE);
            else
                return luaL_error(L, "bufpool.Pool: unknown option '%s' "
                                  "(valid: %s)", k, lbp_pool_options);
            lua_pop(L, 1);
        }
    }
    u = (lbp_pool *)lbp_newuserdata(L, sizeof *u);
    memset(u, 0, sizeof *u);
    u->sw.type = SWIGTYPE_p_bpb_pool;
    u->sw.ptr = &u->p;
    lbp_push_meta(L, &lbp_pool_key);
    lua_setmetatable(L, -2);
    if (bpm_pool_init(&u->p, &cfg) < 0)
        return lbp_raise(L);
    return 1;
}

/* Pushes a table of the methods and attribute getters SWIG made for ty. */
static void lbp_push_methods(lua_State *L, swig_type_info *ty)
{
    swig_lua_class *cls = (swig_lua_class *)ty->clientdata;
    swig_lua_method *m;
    swig_lua_attribute *a;
    lua_newtable(L);
    for (m = cls->methods; m->name; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    for (a = cls->attributes; a->name; a++) {
        lua_pushcfunction(L, a->getmethod);
        lua_setfield(L, -2, a->name);
    }
}

/* Makes the metatable of one type (registry[key]) with meta and, as
 * __index, the methods (closure == 1: a C function with the methods table
 * as upvalue; else the table itself, whose own __index raises). */
static void lbp_new_meta(lua_State *L, void *key, const char *name,
                         const luaL_Reg *meta, swig_type_info *ty,
                         lua_CFunction index)
{
    lua_pushlightuserdata(L, key);
    lua_newtable(L);
    for (; meta->name; meta++) {
        lua_pushcfunction(L, meta->func);
        lua_setfield(L, -2, meta->name);
    }
    lbp_push_methods(L, ty);
    if (index) {
        lua_pushcclosure(L, index, 1);
    } else {
        lua_newtable(L);
        lua_pushcfunction(L, lbp_pool_nofield);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
    }
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__metatable");   /* getmetatable(x) == name */
    lua_rawset(L, LUA_REGISTRYINDEX);
}

static const luaL_Reg lbp_buffer_meta[] = {
    {"__newindex", lbp_buffer_newindex},
    {"__len", lbp_buffer_len},
    {"__tostring", lbp_buffer_tostring},
    {"__gc", lbp_buffer_gc},
    {"__close", lbp_buffer_gc},
    {NULL, NULL}
};

static const luaL_Reg lbp_pool_meta[] = {
    {"__tostring", lbp_pool_tostring},
    {"__gc", lbp_pool_gc},
    {"__close", lbp_pool_gc},
    {NULL, NULL}
};

/* Removes global name if it is SWIG's function f (SWIG puts swig_type and
 * swig_equals in _G; another SWIG module's are left alone). */
static void lbp_unset_global(lua_State *L, const char *name, lua_CFunction f)
{
    lua_getglobal(L, name);
    if (lua_tocfunction(L, -1) == f) {
        lua_pushnil(L);
        lua_setglobal(L, name);
    }
    lua_pop(L, 1);
}

/* The module table is at the top of the stack. */
static void lbp_init(lua_State *L)
{
    char v[64];
    lbp_new_meta(L, &lbp_buffer_key, "bufpool.Buffer", lbp_buffer_meta,
                 SWIGTYPE_p_bpb_buffer, lbp_buffer_index);
    lbp_new_meta(L, &lbp_pool_key, "bufpool.Pool", lbp_pool_meta,
                 SWIGTYPE_p_bpb_pool, NULL);
    lua_pushcfunction(L, lbp_pool_new);
    lua_setfield(L, -2, "Pool");
    lua_pushnil(L);
    lua_setfield(L, -2, "Buffer");
    snprintf(v, sizeof v, "bufpool %s", bp_version());
    lua_pushstring(L, v);
    lua_setfield(L, -2, "_VERSION");
    lbp_unset_global(L, "swig_type", SWIG_Lua_type);
    lbp_unset_global(L, "swig_equals", SWIG_Lua_class_equal);
}
%}

%init %{
    lbp_init(L);
%}
