#!/usr/bin/python3
"""Where the notification examples deliver in tests: a webhook (HTTP POST) or an SMTP server.

    notify-sink.py http|smtp DIR

Listens on 127.0.0.1 at a free port, writes the port to DIR/port, and each request body (HTTP)
or message (SMTP DATA, CRLF turned into LF and the dot-stuffing undone) to DIR/1, DIR/2, ...
in the order they arrived. Just enough of each protocol for curl, the client the examples use.
"""
import http.server
import os
import socketserver
import sys


def save(directory, data):
    n = len([f for f in os.listdir(directory) if f.isdigit()]) + 1
    tmp = os.path.join(directory, ".%d" % n)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(directory, str(n)))  # whole files only, for pollers


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.headers.get("Content-Type") != "application/json":
            body = b"WRONG CONTENT TYPE " + body
        save(self.server.directory, body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        for raw in self.rfile:
            verb = raw.decode(errors="replace").strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif verb.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                for line in self.rfile:
                    if line in (b".\r\n", b".\n"):
                        break
                    line = line.replace(b"\r\n", b"\n")
                    lines.append(line[1:] if line.startswith(b"..") else line)
                save(self.server.directory, b"".join(lines))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 no")


def main():
    kind, directory = sys.argv[1], sys.argv[2]
    if kind == "http":
        server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    else:
        server = socketserver.TCPServer(("127.0.0.1", 0), Smtp)
    server.directory = directory
    with open(os.path.join(directory, ".port"), "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(os.path.join(directory, ".port"), os.path.join(directory, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
