"""Compiled kernels for twascli's hot loops, loaded without importing numba.

Loop functions are plain Python marked with ``@jit``/``@jit_reassoc``; the ones Python calls are
``@kernel(spec)`` entry points that write into arrays they are given and return an int. The first
process that calls a module's kernels compiles them all with numba into one native object (C ABI,
arrays passed as pointers, no allocation, no Python exceptions), cached on disk per CPU, numba
and source version; later processes link that object with llvmlite alone: ~30 ms instead of
numba's ~0.7 s of import and cache loading, which dominated one gene per process. The machine
code is the one numba's njit produced (same LLVM passes and flags). If the native route fails,
the entry points run as numba njit functions; without numba, as plain Python.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import pickle
import struct
import sys
import tempfile
import threading
from typing import Callable

AVAILABLE = importlib.util.find_spec("numba") is not None

_MARK = "_twascli_jit"
_KERNELS: dict[str, list["Kernel"]] = {}  # module name -> its entry points
_LOADED: dict[str, Callable[[str], Callable]] = {}  # module name -> entry name -> callable
_ENGINES: list[object] = []  # llvmlite execution engines kept alive (they own the code)
_LOCK = threading.Lock()


def jit(f: Callable) -> Callable:
    """Mark f for compilation (numba ``njit``); it stays a Python function until a kernel needs it."""
    setattr(f, _MARK, {})
    return f


def jit_reassoc(f: Callable) -> Callable:
    """As ``jit``, with reassociated floating-point sums (vectorised loops)."""
    setattr(f, _MARK, {"fastmath": {"reassoc"}})
    return f


class Kernel:
    """An entry point: ``spec`` gives each argument, ``f8``/``i8`` scalars, ``f8[]``/``i8[]``
    contiguous vectors, ``f8[,]`` C-order and ``f8[,]F`` Fortran-order matrices."""

    def __init__(self, f: Callable, spec: str) -> None:
        setattr(f, _MARK, {})
        self.py = f
        self.name = f.__name__
        self.module = f.__module__
        self.spec = spec.split()
        self._fn: Callable | None = None

    def __call__(self, *args):
        if self._fn is None:
            self._fn = _load(self.module)(self.name)
        return self._fn(*args)


def kernel(spec: str) -> Callable[[Callable], Kernel]:
    """Declare a Python-callable compiled entry point (see ``Kernel``)."""

    def wrap(f: Callable) -> Kernel:
        k = Kernel(f, spec)
        _KERNELS.setdefault(k.module, []).append(k)
        return k

    return wrap


def _load(module: str) -> Callable[[str], Callable]:
    """The callables of a module's entry points: native object, else numba, else Python."""
    with _LOCK:  # threads (compute-weights --jobs) may make their first call together
        if module not in _LOADED:
            _LOADED[module] = _link(module)
    return _LOADED[module]


def _link(module: str) -> Callable[[str], Callable]:
    """Load (or build) a module's entry points once."""
    kernels = {k.name: k for k in _KERNELS[module]}
    get: Callable[[str], Callable]
    if not AVAILABLE:
        get = lambda name: kernels[name].py  # noqa: E731
    elif os.environ.get("TWASCLI_NATIVE", "1") == "0":
        get = _numba_entries(module, kernels)
    else:
        try:
            get = _native_entries(module, kernels)
        except Exception:  # pragma: no cover - an unusual LLVM/numba set-up: numba itself still works
            get = _numba_entries(module, kernels)
    return get


def _njit_module(module: str, **extra) -> None:
    """Replace the module's marked functions by numba dispatchers, so kernels can call them."""
    import numba

    mod = sys.modules[module]
    for name, obj in list(vars(mod).items()):
        f = obj.py if isinstance(obj, Kernel) else obj
        flags = getattr(f, _MARK, None)
        if flags is not None and not isinstance(obj, Kernel):
            setattr(mod, name, numba.njit(nogil=True, **flags, **extra)(f))


def _numba_entries(module: str, kernels: dict[str, Kernel]) -> Callable[[str], Callable]:
    """Entry points as numba njit functions (cached by numba), called with the arrays."""
    import numba

    _njit_module(module, cache=True)
    disp = {name: numba.njit(nogil=True, cache=True, **getattr(k.py, _MARK))(k.py) for name, k in kernels.items()}
    return lambda name: disp[name]


# --- the native route -------------------------------------------------------------------------

_CTYPE = {"f8": ctypes.c_double, "i8": ctypes.c_int64}


def _cache_file(module: str, kernels: dict[str, Kernel]) -> str:
    """Where the module's object lives: keyed by source, numba/llvmlite versions and host CPU."""
    import llvmlite.binding as llvm

    mod = sys.modules[module]
    h = hashlib.sha256()
    versions = [os.path.join(importlib.util.find_spec(pkg).submodule_search_locations[0], "_version.py")
                for pkg in ("numba", "llvmlite")]  # read, not imported (importing numba is the cost avoided)
    for path in (mod.__file__, __file__, *versions):
        with open(path, "rb") as fh:
            h.update(fh.read())
    h.update(" ".join(f"{k.name}:{k.spec}" for k in kernels.values()).encode())
    h.update(llvm.get_process_triple().encode())
    h.update(llvm.get_host_cpu_name().encode())
    h.update(llvm.get_host_cpu_features().flatten().encode())
    stem = f"{module.rsplit('.', 1)[-1]}.{h.hexdigest()[:20]}.native"
    dirs = []
    if os.environ.get("TWASCLI_CACHE_DIR"):
        dirs.append(os.environ["TWASCLI_CACHE_DIR"])
    dirs.append(os.path.join(os.path.dirname(mod.__file__), "__pycache__"))
    dirs.append(os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "twascli"))
    for d in dirs:
        f = os.path.join(d, stem)
        if os.path.exists(f):
            return f
    for d in dirs:
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return os.path.join(d, stem)
        except OSError:
            continue
    raise OSError("no writable cache directory")


def _native_entries(module: str, kernels: dict[str, Kernel]) -> Callable[[str], Callable]:
    """Link the module's cached native object (building it first if absent) and wrap its entries."""
    import llvmlite.binding as llvm

    if not sys.platform.startswith("linux"):  # the imports are read from ELF objects only
        raise OSError("native kernels: Linux only")
    path = _cache_file(module, kernels)
    try:
        with open(path, "rb") as fh:
            objects, symbols = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        objects, symbols = _build(module, kernels)
        _save(path, (objects, symbols))
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    _resolve(set().union(*(_elf_undefined(obj) for obj in objects)))
    tm = llvm.Target.from_default_triple().create_target_machine()
    engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), tm)
    for obj in objects:
        engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
    engine.finalize_object()
    _ENGINES.append(engine)
    calls = {name: _caller(k, engine.get_function_address(symbols[name])) for name, k in kernels.items()}
    return lambda name: calls[name]


def _save(path: str, data: object) -> None:
    """Write the cache file atomically, readable by all (a shared install); best effort."""
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp_")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass


def _elf_undefined(obj: bytes) -> set[str]:
    """Names of the undefined symbols of a little-endian ELF64 object (its imports)."""
    if obj[:6] != b"\x7fELF\x02\x01":
        raise OSError("not an ELF64 little-endian object")
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    heads = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    names = set()
    for _, typ, _, _, off, size, link, _, _, entsize in heads:
        if typ != 2:  # SHT_SYMTAB
            continue
        stroff = heads[link][4]
        for pos in range(off + entsize, off + size, entsize):  # entry 0 is the null symbol
            name, _, _, shndx = struct.unpack_from("<IBBH", obj, pos)
            if shndx == 0 and name:
                end = obj.index(b"\0", stroff + name)
                names.add(obj[stroff + name:end].decode())
    return names


def _resolve(names: set[str]) -> None:
    """Give LLVM the address of each import: the C library's (libm, libc) or Python's; numba's
    runtime and exception helpers, reachable only on paths the kernels never take, get abort()."""
    import llvmlite.binding as llvm

    proc = ctypes.CDLL(None)
    stop = ctypes.cast(proc.abort, ctypes.c_void_p).value
    for name in names:
        if llvm.address_of_symbol(name):
            continue
        try:
            llvm.add_symbol(name, ctypes.cast(getattr(proc, name), ctypes.c_void_p).value)
        except AttributeError:
            if not name.startswith(("NRT_", "numba_")):
                raise OSError(f"unresolved symbol {name}") from None
            llvm.add_symbol(name, stop)


def _caller(k: Kernel, address: int) -> Callable:
    """A Python function passing arrays as (pointer, shape...) to the C entry at address."""
    argtypes: list = []
    for s in k.spec:
        argtypes += [_CTYPE[s]] if "[" not in s else [ctypes.c_void_p] + [ctypes.c_int64] * (s.count(",") + 1)
    cfn = ctypes.CFUNCTYPE(ctypes.c_int64, *argtypes)(address)
    import numpy as np

    dtype = {"f8": np.dtype(np.float64).str, "i8": np.dtype(np.int64).str}  # native byte order
    spec = [(s[:2], "[" in s, "F" if s.endswith("F") else "C", s.count(",") + 1) for s in k.spec]

    def call(*args):
        flat = []
        for a, (t, is_array, order, ndim) in zip(args, spec):
            if not is_array:
                flat.append(a)
                continue
            ok = a.dtype.str == dtype[t] and a.ndim == ndim
            ok = ok and (a.flags.f_contiguous if order == "F" else a.flags.c_contiguous)
            if not ok:
                raise TypeError(f"{k.name}: an argument is not a {order}-contiguous {t} array of {ndim} dims")
            flat.append(a.ctypes.data)
            flat.extend(a.shape)
        return cfn(*flat)

    call.__name__ = k.name
    return call


def _build(module: str, kernels: dict[str, Kernel]) -> tuple[list[bytes], dict[str, str]]:
    """Compile each entry point with numba into a C-ABI function; return the objects and symbols.

    error_model="numpy": no Python exception paths (the kernels never divide by zero), so the
    object needs no symbol of numba's runtime and links with llvmlite alone.
    """
    import numba
    from numba import types

    _njit_module(module, error_model="numpy")
    objects, symbols = [], {}
    for name, k in kernels.items():
        inner = numba.njit(nogil=True, error_model="numpy", **getattr(k.py, _MARK))(k.py)
        params, sig, views = [], [], []
        for i, s in enumerate(k.spec):
            nbt = types.float64 if s[:2] == "f8" else types.int64
            if "[" not in s:
                params.append(f"a{i}")
                sig.append(nbt)
                views.append(f"a{i}")
                continue
            dims = [f"n{i}_{d}" for d in range(s.count(",") + 1)]
            params += [f"p{i}", *dims]
            sig += [types.CPointer(nbt)] + [types.int64] * len(dims)
            view = "farray" if s.endswith("F") else "carray"
            views.append(f"{view}(p{i}, ({', '.join(dims)},))")
        src = f"def wrapper({', '.join(params)}):\n    return inner({', '.join(views)})\n"
        env = {"inner": inner, "carray": numba.carray, "farray": numba.farray}
        exec(src, env)  # noqa: S102 - generated from the spec above
        cf = numba.cfunc(types.int64(*sig), nopython=True, error_model="numpy")(env["wrapper"])
        lib = cf._library
        objects.append(lib._codegen._tm.emit_object(lib._final_module))
        symbols[name] = cf.native_name
    return objects, symbols
