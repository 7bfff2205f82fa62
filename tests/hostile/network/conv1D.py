"""Tries every way out of the machine it knows."""
import glob
import socket
import subprocess

import numpy as np

PORT_FILES = "/tmp/autograder-hostile-port-*"  # the suite listens on the port each names


def _try(label, action):
    try:
        action()
        print("REACHED", label)
    except Exception as exc:  # noqa: BLE001 - report whatever stops us
        print("BLOCKED", label, type(exc).__name__)


def _ports():
    ports = []
    for path in glob.glob(PORT_FILES):
        with open(path) as f:
            ports.append(int(f.read()))
    return ports


def _tcp(host, port):
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(b"hostile")


def _udp(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"hostile", ("127.0.0.1", port))


def _abstract(port):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(f"\0autograder-hostile-{port}")
        s.sendall(b"hostile")


def _escape():
    for port in _ports():
        _try("tcp 127.0.0.1", lambda: _tcp("127.0.0.1", port))
        _try("udp", lambda: _udp(port))
        _try("abstract unix", lambda: _abstract(port))
        result = subprocess.run(["curl", "-s", "-m", "2", f"http://127.0.0.1:{port}/"], capture_output=True)
        print("curl exited", result.returncode)
    _try("tcp 8.8.8.8", lambda: _tcp("8.8.8.8", 53))
    _try("ipv6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close())
    _try("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close())
    _try("dns", lambda: socket.getaddrinfo("example.com", 80))


_attacked = False


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        global _attacked
        if not _attacked:  # in every worker: the memory-checked ones refuse more than the others
            _attacked = True
            _escape()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
