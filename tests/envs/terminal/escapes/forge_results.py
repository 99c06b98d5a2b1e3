"""A result-forging hook, as an agent would plant it: run by a test, it attaches to the test runner.

Started (detached) by a program the tests execute, it finds its ancestor running
``run_tests.py``, attaches with ``PTRACE_SEIZE`` and rewrites ``"failed"`` to
``"passed"`` in every buffer the runner writes, so a runner that can be traced reports
every test passed. Standard library only, x86_64 Linux. It writes what it managed to
``argv[1]`` if given (for the tests' messages).
"""

import ctypes
import os
import sys

PTRACE_SYSCALL, PTRACE_GETREGS = 24, 12
PTRACE_SEIZE, PTRACE_INTERRUPT = 0x4206, 0x4207
PTRACE_O_TRACESYSGOOD = 1
WALL = 0x40000000
SYS_WRITE = 1
ENOSYS = 38
FIELDS = (
    "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags "
    "rsp ss fs_base gs_base ds es fs gs"
).split()


class Regs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_ulonglong) for name in FIELDS]


def runner_pid():
    pid = os.getppid()
    while pid > 1:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"run_tests.py" in f.read():
                return pid
        with open(f"/proc/{pid}/status") as f:
            pid = int(next(line for line in f if line.startswith("PPid:")).split()[1])
    return None


def main():
    log = open(sys.argv[1], "a") if len(sys.argv) > 1 else open(os.devnull, "w")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long
    pid = runner_pid()
    if pid is None:
        print("no runner among my ancestors", file=log, flush=True)
        return
    if libc.ptrace(PTRACE_SEIZE, pid, None, ctypes.c_void_p(PTRACE_O_TRACESYSGOOD)) != 0:
        print(f"seize {pid}: {os.strerror(ctypes.get_errno())}", file=log, flush=True)
        return
    libc.ptrace(PTRACE_INTERRUPT, pid, None, None)
    try:
        mem = open(f"/proc/{pid}/mem", "r+b", buffering=0)
    except OSError as exc:
        print(f"mem {pid}: {exc}", file=log, flush=True)
        return
    print(f"tracing {pid}", file=log, flush=True)
    regs = Regs()
    deliver = 0
    while True:
        _, status = os.waitpid(pid, WALL)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            return
        deliver = 0
        sig = os.WSTOPSIG(status)
        if sig == (5 | 0x80):  # a syscall stop
            libc.ptrace(PTRACE_GETREGS, pid, None, ctypes.byref(regs))
            entering = regs.rax == (1 << 64) - ENOSYS
            if entering and regs.orig_rax == SYS_WRITE and 0 < regs.rdx < (1 << 22):
                mem.seek(regs.rsi)
                data = mem.read(regs.rdx)
                if b'"failed"' in data:
                    mem.seek(regs.rsi)
                    mem.write(data.replace(b'"failed"', b'"passed"'))
                    print("rewrote a report", file=log, flush=True)
        elif status >> 16 == 0 and sig not in (5,):  # a signal for the runner: pass it on
            deliver = sig
        libc.ptrace(PTRACE_SYSCALL, pid, None, ctypes.c_void_p(deliver))


if __name__ == "__main__":
    main()
