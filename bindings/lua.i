/* lua.i - Lua part of bindings/bufpool.i (placeholder; owner: Lua binding). */
