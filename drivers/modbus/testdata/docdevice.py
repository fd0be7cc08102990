#!/usr/bin/python3
"""A Modbus TCP device written from docs/modbus.md alone, with pymodbus 3.

Written for pymodbus 3.0 (Debian 12's python3-pymodbus 3.0.0, run by
/usr/bin/python3); pymodbus's server API changes between minor versions.

It is a test fixture (drivers/modbus/interop_test.go), not a simulator:
it was written from the document, without reading guardroom's Go code, so
that the driver is tested against what the document promises rather than
against our own simulator's reading of it.

    docdevice.py guardroom [--slots N] [--partitions N] [--code-length N] [--master N]
    docdevice.py plain

guardroom serves register map version 3 with the identity block, the
command mailbox (operations 1-6, the repeat rule), the status block, the
partition blocks, the occupancy bitmap and the user blocks; no locks, no
lock tags, no keypad tag table (their capability bits are clear). plain is
pymodbus's stock server, a Modbus device that knows nothing of the map:
every register reads 0 and every write is taken.

It binds 127.0.0.1 on a port the OS picks and prints "port N" on stdout.
A line "disarm N" on stdin disarms partition N as its keypad would, and
it answers "keypad disarmed N". When its stdin closes it prints "writes
N" (the write requests it received, any function; plain: the writes it
took) and the slots holding a code, then exits.
"""

import argparse
import asyncio
import logging
import os
import sys
import threading
import zlib

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.pdu import ModbusExceptions as merror
from pymodbus.bit_read_message import ReadCoilsRequest, ReadDiscreteInputsRequest
from pymodbus.bit_write_message import WriteMultipleCoilsRequest, WriteSingleCoilRequest
from pymodbus.register_read_message import (
    ReadInputRegistersRequest,
    ReadWriteMultipleRegistersRequest,
)
from pymodbus.register_write_message import (
    MaskWriteRegisterRequest,
    WriteMultipleRegistersRequest,
    WriteMultipleRegistersResponse,
)
from pymodbus.server.async_io import ModbusTcpServer

READ = 3
WRITE_FUNCTIONS = {5, 6, 15, 16, 22, 23}

# docs/modbus.md, "Register map version 3".
IDENTITY, COMMAND, STATUS = 0x0000, 0x0040, 0x0070
PARTITIONS, BITMAP, USERS = 0x0100, 0x1480, 0x1500
COMMAND_LEN, STATUS_LEN, PARTITION_LEN, USER_LEN = 48, 64, 20, 30
MAX_PARTITIONS = 32


def crc16(words):
    """CRC-16/MODBUS of the big-endian bytes of words."""
    crc = 0xFFFF
    for w in words:
        for b in (w >> 8, w & 0xFF):
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def text(s, nbytes):
    """UTF-8, two bytes a register, first byte high, NUL padded."""
    b = s.encode()[:nbytes].ljust(nbytes, b"\0")
    return [b[i] << 8 | b[i + 1] for i in range(0, nbytes, 2)]


def u32(v):
    return [v >> 16 & 0xFFFF, v & 0xFFFF]


def u64(v):
    return [v >> 48 & 0xFFFF, v >> 32 & 0xFFFF, v >> 16 & 0xFFFF, v & 0xFFFF]


def unbytes(words):
    return b"".join(bytes((w >> 8, w & 0xFF)) for w in words)


class Refused(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Slot:
    def __init__(self):
        self.code = None  # the code, while the slot holds one
        self.role = 0
        self.partitions = 0
        self.label = ""
        self.serial = 0


class Device:
    """The panel behind the map."""

    def __init__(self, slots, partitions, code_length, master):
        self.slots = [Slot() for _ in range(slots)]
        self.nparts = partitions
        self.code_length = code_length
        self.master = master
        self.states = [0] * partitions  # 0 disarmed, 1 armed stay, 2 armed away
        self.status = [0] * STATUS_LEN
        self.last = None  # the last command acted on: (registers, exception)
        self.writes = 0
        self.end = USERS + USER_LEN * slots  # no keypad tag table

    # --- the Modbus side (pymodbus calls these) ---

    def validate(self, fc, address, count):
        if fc in WRITE_FUNCTIONS:
            self.writes += 1
            # The only write: function 16 of the whole command block.
            return fc == 16 and address == COMMAND and count == COMMAND_LEN
        return fc == READ and 0 <= address and address + count <= self.end

    def getValues(self, fc, address, count):  # pylint: disable=invalid-name
        return [self.register(a) for a in range(address, address + count)]

    def setValues(self, fc, address, values):  # pylint: disable=invalid-name
        raise RuntimeError("writes go through command()")

    def register(self, a):
        if a < COMMAND:
            return self.identity()[a - IDENTITY]
        if a < STATUS:
            return 0  # the command block reads as zeros
        if a < STATUS + STATUS_LEN:
            return self.status[a - STATUS]
        if PARTITIONS <= a < PARTITIONS + PARTITION_LEN * MAX_PARTITIONS:
            n, off = divmod(a - PARTITIONS, PARTITION_LEN)
            return self.partition_block(n + 1)[off] if n < self.nparts else 0
        if BITMAP <= a < USERS:
            k = a - BITMAP
            word = 0
            for b in range(16):
                s = 16 * k + b + 1
                if s <= len(self.slots) and self.slots[s - 1].code is not None:
                    word |= 1 << b
            return word
        if USERS <= a < self.end:
            n, off = divmod(a - USERS, USER_LEN)
            return self.user_block(n + 1)[off]
        return 0  # reserved

    def identity(self):
        caps = 0b1111  # read-back, users, partitions, arm/disarm
        w = [0x4752, 3] + u32(len(self.slots)) + [self.nparts, self.code_length, self.master, 0, 0, caps, 0]
        w += [0] * 5
        w += text("docdevice", 16) + text("docs/modbus.md v3", 32) + text("0001", 16) + text("1.0", 16)
        return w + [0] * 8

    def partition_block(self, n):
        w = [n, self.states[n - 1]] + text(f"Area {n}", 32) + [0]
        return w + [crc16(w)]

    def user_block(self, s):
        slot = self.slots[s - 1]
        if slot.code is None:
            w = u32(s) + [0] * 24 + u32(slot.serial) + [0]
        else:
            check = zlib.crc32(s.to_bytes(4, "big") + slot.code.encode())
            w = u32(s) + [1, slot.role] + u64(slot.partitions) + u32(check)
            w += text(slot.label, 32) + u32(slot.serial) + [0]
        return w + [crc16(w)]

    # --- the mailbox ---

    def command(self, regs):
        """Act on a command block; returns None (done) or an exception code."""
        regs = list(regs)
        seq, op = regs[0], regs[1]
        if seq != 0 and self.last is not None and self.last[0] == regs:
            status, exc = self.last[1], self.last[2]
            self.status = list(status)  # a repeat puts back its first answer
            return exc
        try:
            self.act(op, regs)
            code, reason, exc = 0, "done", None
        except Refused as r:
            code, reason, exc = r.status, r.reason, merror.IllegalValue
        self.status = [seq, op, code, 0] + text(reason, 96) + [0] * 12
        self.last = (regs, list(self.status), exc)
        return exc

    def slot_of(self, regs, need_code):
        s = regs[2] << 16 | regs[3]
        if not 1 <= s <= len(self.slots):
            raise Refused(4, f"no slot {s}: slots are 1-{len(self.slots)}")
        if need_code and self.slots[s - 1].code is None:
            raise Refused(4, f"slot {s} has no code: set one first")
        return s

    def parts_of(self, mask, empty_is_all):
        if mask == 0 and empty_is_all:
            return (1 << self.nparts) - 1
        if mask == 0 or mask >> self.nparts:
            raise Refused(9, f"partitions must be among 1-{self.nparts}")
        return mask

    def label_of(self, regs):
        raw = unbytes(regs[15:31]).split(b"\0", 1)[0]
        try:
            label = raw.decode()
        except UnicodeDecodeError:
            raise Refused(16, "the label is not UTF-8") from None
        if not label.isprintable():
            raise Refused(13, "the label is not printable text")
        return label

    def partition_of(self, regs):
        n = regs[4]
        if not 1 <= n <= self.nparts:
            raise Refused(9, f"no partition {n}: partitions are 1-{self.nparts}")
        return n

    def act(self, op, regs):
        if op == 1:  # set code
            s = self.slot_of(regs, False)
            n = regs[6]
            if n > 8:
                raise Refused(16, "code length over 8")
            code_bytes = unbytes(regs[7:11])[:n]
            if n != self.code_length:
                raise Refused(6, f"codes on this panel have {self.code_length} digits")
            if not all(0x30 <= b <= 0x39 for b in code_bytes):
                raise Refused(7, "a code is digits only")
            code = code_bytes.decode()
            role = regs[5] or (1 if s == self.master else 3)
            if not 1 <= role <= 9:
                raise Refused(8, f"no role {role} on this panel")
            if (role == 1) != (s == self.master):
                raise Refused(5, f"only the master slot ({self.master}) is Master")
            parts = self.parts_of(u64_of(regs[11:15]), True)
            label = self.label_of(regs)
            for i, other in enumerate(self.slots):
                if i != s - 1 and other.code == code:
                    raise Refused(3, "another slot holds this code: choose another")
            slot = self.slots[s - 1]
            slot.code, slot.role, slot.partitions, slot.label = code, role, parts, label
            slot.serial += 1
        elif op == 2:  # clear code
            s = self.slot_of(regs, False)
            slot = self.slots[s - 1]
            if slot.code is None:
                return  # done, nothing changes, not even the serial
            if s == self.master:
                raise Refused(5, "the master code cannot be cleared")
            slot.code, slot.role, slot.partitions, slot.label = None, 0, 0, ""
            slot.serial += 1
        elif op == 3:  # set label
            s = self.slot_of(regs, True)
            self.slots[s - 1].label = self.label_of(regs)
        elif op == 4:  # set partitions
            s = self.slot_of(regs, True)
            self.slots[s - 1].partitions = self.parts_of(u64_of(regs[11:15]), False)
        elif op == 5:  # arm
            n = self.partition_of(regs)
            mode = regs[5]
            if mode not in (1, 2):
                raise Refused(16, f"arm mode {mode}: use 1 (stay) or 2 (away)")
            if self.states[n - 1] not in (0, mode):
                raise Refused(10, f"partition {n} is armed in the other mode: disarm it first")
            self.states[n - 1] = mode
        elif op == 6:  # disarm
            self.states[self.partition_of(regs) - 1] = 0
        elif 7 <= op <= 14:
            raise Refused(14, "this panel has no locks, lock tags or keypad tags")
        else:
            raise Refused(16, f"no operation {op} in map version 3")


def u64_of(words):
    v = 0
    for w in words:
        v = v << 16 | w
    return v


class Counting(ModbusSequentialDataBlock):
    """pymodbus's own data block, counting the writes it takes."""

    writes = 0

    def setValues(self, address, values):  # pylint: disable=invalid-name
        Counting.writes += 1
        super().setValues(address, values)


def plain():
    """pymodbus's stock server context: 65536 zeros of each kind, every write taken."""
    blocks = {k: Counting(0, [0] * 65537) for k in ("di", "co", "hr", "ir")}
    return ModbusServerContext(slaves=ModbusSlaveContext(**blocks), single=True)


class Command(WriteMultipleRegistersRequest):
    """Function 16 that hands the command block to the device, which may refuse it."""

    def execute(self, context):
        if not 1 <= self.count <= 0x7B or self.byte_count != self.count * 2:
            return self.doException(merror.IllegalValue)
        if not context.validate(self.function_code, self.address, self.count):
            return self.doException(merror.IllegalAddress)
        exc = context.command(self.values)
        if exc is not None:
            return self.doException(exc)
        return WriteMultipleRegistersResponse(self.address, self.count)


def illegal_function(base):
    """base's function code answered with exception 1 (the map uses 3, 6 and 16 only)."""

    def execute(self, context):
        if self.function_code in WRITE_FUNCTIONS:
            context.writes += 1
        return self.doException(merror.IllegalFunction)

    return type("No" + base.__name__, (base,), {"execute": execute})


OTHER_FUNCTIONS = [
    illegal_function(c)
    for c in (
        ReadCoilsRequest,
        ReadDiscreteInputsRequest,
        ReadInputRegistersRequest,
        WriteSingleCoilRequest,
        WriteMultipleCoilsRequest,
        ReadWriteMultipleRegistersRequest,
        MaskWriteRegisterRequest,
    )
]


class Units:
    """Every unit id reaches the one device."""

    single = True  # pymodbus: answer every unit id

    def __init__(self, device):
        self.device = device

    def __getitem__(self, unit):
        return self.device

    def slaves(self):
        return [1]


def report(device):
    if device is None:
        print(f"writes {Counting.writes}", flush=True)
        return
    print(f"writes {device.writes}", flush=True)
    for i, slot in enumerate(device.slots):
        if slot.code is not None:
            print(f"slot {i + 1} role {slot.role} partitions {slot.partitions} label {slot.label!r} serial {slot.serial}", flush=True)


def keypad(device, words):
    """What a person does at the panel's keypad, told on stdin: "disarm N"."""
    if device is not None and len(words) == 2 and words[0] == "disarm":
        device.states[int(words[1]) - 1] = 0
        print(f"keypad disarmed {words[1]}", flush=True)
    else:
        print(f"keypad: cannot {' '.join(words)!r}", flush=True)


async def serve(device):
    if device is None:
        server = ModbusTcpServer(plain(), address=("127.0.0.1", 0))
    else:
        server = ModbusTcpServer(Units(device), address=("127.0.0.1", 0))
        for f in [Command] + OTHER_FUNCTIONS:
            server.decoder.register(f)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"port {server.server.sockets[0].getsockname()[1]}", flush=True)
    await task


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["guardroom", "plain"])
    p.add_argument("--slots", type=int, default=48)
    p.add_argument("--partitions", type=int, default=2)
    p.add_argument("--code-length", type=int, default=4)
    p.add_argument("--master", type=int, default=1)
    a = p.parse_args()
    if os.environ.get("DOCDEVICE_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    else:
        logging.disable(logging.CRITICAL)
    device = None if a.kind == "plain" else Device(a.slots, a.partitions, a.code_length, a.master)

    def until_stdin_closes():
        for line in sys.stdin:
            keypad(device, line.split())
        report(device)
        os._exit(0)

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    asyncio.run(serve(device))


if __name__ == "__main__":
    main()
