"""A real SMTP server on loopback for the SMTP notifier's tests (aiosmtpd).

Prints `PORT <n>` once listening, then one JSON line per accepted message:
{"mail_from": ..., "rcpt_tos": [...], "data": <base64 of the raw bytes>}.
Recipients starting with `nobody@` are refused for good (550), those
starting with `busy@` for now (451), so the tests see both kinds of failure.
Stops when its standard input closes (the test process ends).
"""

import asyncio
import base64
import json
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <%s>: no such user" % address
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        line = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": base64.b64encode(envelope.original_content or envelope.content).decode(),
        }
        print(json.dumps(line), flush=True)
        return "250 Message accepted for delivery"


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    server = await loop.create_server(
        lambda: SMTP(handler, decode_data=False, hostname="localhost"), "127.0.0.1", 0
    )
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    # Ends with the test: its end closes our standard input.
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
