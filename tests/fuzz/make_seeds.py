#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (committed beside this script; rerun after a layout change).

fuzz_open_ring gets ring objects: valid byte and queue rings, and the near misses each check refuses.
The two script-driven targets get a few fixed pseudo-random scripts, so that a run starts deep.
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = 0x65706970676E6972
VERSION = 3
HEADER = 4096
LINE = 128  # core::cache_line_stride: the header's fields sit on their own lines


def identity(capacity, fill_limit, element_size=1, element_align=1, version=VERSION, magic=MAGIC):
    return struct.pack("<QIIQQII", magic, version, HEADER, capacity, fill_limit, element_size, element_align)


def ring_object(ident, data_size, write_position=0, read_position=0, closed=(0, 0), last_byte=0):
    header = bytearray(HEADER)
    header[0:len(ident)] = ident
    struct.pack_into("<IIII", header, 1 * LINE, 0, 0, closed[0], closed[1])
    struct.pack_into("<Q", header, 2 * LINE, write_position)
    struct.pack_into("<Q", header, 3 * LINE, read_position)
    body = bytearray(data_size)
    whole = header + body
    whole[-1] = last_byte
    return bytes(whole)


def write(target, name, content):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


write("fuzz_open_ring", "byte_ring", ring_object(identity(4096, 4096), 4096))
write("fuzz_open_ring", "byte_ring_with_data", ring_object(identity(4096, 4096), 4096, write_position=100))
write("fuzz_open_ring", "byte_ring_closed", ring_object(identity(4096, 4096), 4096, write_position=5000,
                                                        read_position=1000, closed=(1, 0)))
write("fuzz_open_ring", "header_only_extend", ring_object(identity(8192, 8192), 0, last_byte=1))
write("fuzz_open_ring", "queue_ring", ring_object(identity(4096, 4088, 8, 8), 4096))
write("fuzz_open_ring", "old_version", ring_object(identity(4096, 4096, version=2), 4096))
write("fuzz_open_ring", "fill_above_capacity", ring_object(identity(4096, 8192), 4096))
write("fuzz_open_ring", "truncated", identity(4096, 4096))
write("fuzz_open_ring", "empty", b"")

generator = random.Random(20261202)
for target in ("fuzz_hostile_peer", "fuzz_model"):
    for i, length in enumerate((16, 64, 256, 1024, 2048)):
        write(target, "script_%d" % i, bytes(generator.getrandbits(8) for _ in range(length)))
