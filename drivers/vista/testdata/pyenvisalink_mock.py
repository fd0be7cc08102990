# Serves pyenvisalink's mock Honeywell Envisalink (ufodone/pyenvisalink,
# pyenvisalink/mock_server_honeywell.py, MIT) on 127.0.0.1 at a free port,
# with evl_mock's client handler, for drivers/vista's peer test. Usage:
#   python3 pyenvisalink_mock.py CHECKOUT PASSWORD CODE
# where CHECKOUT holds pyenvisalink/ (a clone of ufodone/pyenvisalink).
# It prints "ready PORT" once it listens. It needs python3-aiohttp.
import asyncio
import os
import sys

checkout, password, code = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(checkout, "pyenvisalink"))  # its mocks import each other by bare name
sys.path.insert(0, checkout)

import pyenvisalink.evl_mock as evl  # noqa: E402
from mock_server_honeywell import HoneywellServer  # noqa: E402


async def main():
    # Two partitions: the mock keeps partition N's keys at index N.
    evl.evl_server = HoneywellServer(128, 2, password, code)
    server = await asyncio.start_server(evl.accept_client, host="127.0.0.1", port=0)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(3600)


asyncio.run(main())
