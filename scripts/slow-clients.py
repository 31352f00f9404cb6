#!/usr/bin/env python3
"""Slow uploaders against a running node, and what they cost it.

Opens N connections that each declare a body of BODY bytes, send all but 10 KiB of it and stall,
then prints the node's resident memory (RSS, from /proc), heap used (jvm_memory_used_bytes from
/metrics, after a full GC through jcmd, so that it counts what is held rather than garbage) and the
body bytes the node reserves (streamgate_http_buffered_body_bytes, where the node has it) at the
start, once the bodies are sent, and WAIT seconds later; and what each connection got back (an
answer's status line, or nothing).

    scripts/slow-clients.py --port 18481 --pid PID [--connections 16] [--body 10485760] [--wait 40]
"""
import argparse
import re
import socket
import subprocess
import time
import urllib.request


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    heap = sum(float(m.group(1)) for m in re.finditer(r'^jvm_memory_used_bytes\{area="heap".*\} (\S+)$', text, re.M))
    reserved = re.search(r"^streamgate_http_buffered_body_bytes (\S+)$", text, re.M)
    return int(heap) >> 20, (int(float(reserved.group(1))) >> 20) if reserved else None


def report(label, args):
    subprocess.run(["jcmd", str(args.pid), "GC.run"], stdout=subprocess.DEVNULL, check=False)
    heap, reserved = metrics(args.port)
    held = "" if reserved is None else f"   bodies reserved {reserved:4d} MB"
    print(f"{label:<28} RSS {rss_mb(args.pid):5d} MB   heap used after GC {heap:5d} MB{held}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--body", type=int, default=10 * 1024 * 1024)
    parser.add_argument("--wait", type=float, default=40)
    args = parser.parse_args()

    report("before", args)
    sockets = []
    block = b"x" * 65536
    for _ in range(args.connections):
        s = socket.create_connection(("127.0.0.1", args.port))
        s.settimeout(0.5)
        s.sendall(b"POST /v1/topics/slow/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                  + b"Content-Length: %d\r\n\r\n" % args.body)
        left = args.body - 10 * 1024
        try:
            while left > 0:
                n = s.send(block[:min(left, len(block))])
                left -= n
        except (socket.timeout, OSError):
            pass  # refused (the server answered and stopped reading) or closed
        sockets.append(s)
    time.sleep(2)
    report(f"{args.connections} stalled uploads", args)
    time.sleep(args.wait)
    report(f"{args.wait:.0f} s later", args)
    answers = {}
    for s in sockets:
        try:
            s.settimeout(1)
            data = s.recv(200)
            answer = data.split(b"\r\n")[0].decode(errors="replace") if data else "closed, no answer"
        except socket.timeout:
            answer = "still open, no answer"
        except OSError as e:
            answer = f"reset ({e.__class__.__name__})"
        answers[answer] = answers.get(answer, 0) + 1
        s.close()
    for answer, count in sorted(answers.items()):
        print(f"  {count:3d} x {answer}")
    time.sleep(2)
    report("after closing them", args)


if __name__ == "__main__":
    main()
