"""A program using the whole bufpool API, type-checked by t/python-typing.sh
(mypy --strict against bufpool/__init__.pyi).  Not run."""
from typing import Dict, List

import bufpool


def main() -> int:
    pool: bufpool.Pool = bufpool.Pool(4096, max_buffers=8, min_buffers=1, align=64,
                                      zero=False, poison=False, cache=0,
                                      no_cache=False)
    with pool as p:
        b: bufpool.Buffer = p.get()
        c = p.get(timeout=0.5)
        d = p.get(timeout=None)
        n: int = len(b) + b.nbytes + b.refcount + b.address + b.exports
        flags: List[bool] = [b.writable, b.released, p.closed, p.zero,
                             p.poison, p.no_cache]
        first: int = b[0]
        head: bytes = b[0:4]
        b[0] = 1
        b[0:4] = b"abcd"
        total = sum(x for x in b)
        s: bufpool.Buffer = b.slice(0, 16).dup()
        s.make_writable()
        with s:
            pass
        stats: Dict[str, int] = p.stats()
        freed: int = p.trim(keep_idle=1)
        for x in (b, c, d):
            x.release()
        sizes = (p.size, p.max_buffers, p.min_buffers, p.align, p.cache)
    z = bufpool.allocz(8)
    a = bufpool.alloc(size=8)
    v: str = bufpool.version() + bufpool.__version__ + bufpool.get_include()
    return n + first + len(head) + total + freed + sum(sizes) + len(z) + \
        len(a) + len(v) + len(stats) + len(flags)


if __name__ == "__main__":
    main()
