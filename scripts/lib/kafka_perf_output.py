"""What Kafka's perf tools printed, read back for the bench reports (scripts/bench-vs-kafka.sh,
scripts/bench-kafka-protocol.sh). Each function takes a tool's whole output (stdout and stderr, with the
"exit status: N" line that bench-common.sh's perf_tool appends) and returns its final figures, or None
when the tool printed none (it failed, timed out or was not run)."""
import re

_PRODUCER = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, "
    r"(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th")


def exit_status(text):
    """The tool's exit status (124: killed by its time limit), or None when it was not recorded."""
    m = re.search(r"^exit status: (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def producer(text):
    """ProducerPerformance: its final summary line (the last one that matches)."""
    m = None
    for m in _PRODUCER.finditer(text):
        pass
    if not m:
        return None
    return {"records": int(m.group(1)), "recordsPerSec": float(m.group(2)), "p50Ms": int(m.group(6)),
            "p99Ms": int(m.group(8)), "p999Ms": int(m.group(9))}


def consumer(text):
    """ConsumerPerformance: its one result line (start, end, MB, MB/s, records, records/s, rebalance ms,
    fetch ms, fetch MB/s, fetch records/s). The fetch rate leaves out the group join."""
    lines = [l for l in text.splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", l)]
    if not lines:
        return None
    f = [x.strip() for x in lines[-1].split(",")]
    return {"records": int(f[4]), "recordsPerSec": float(f[5]), "fetchRecordsPerSec": float(f[9])}


def e2e(text):
    """EndToEndLatency: its percentiles (whole milliseconds) and average."""
    m = re.search(r"Percentiles: 50th = (\d+), 99th = (\d+), 99.9th = (\d+)", text)
    if not m:
        return None
    a = re.search(r"Avg latency: ([\d.]+) ms", text)
    return {"p50Ms": int(m.group(1)), "p99Ms": int(m.group(2)), "p999Ms": int(m.group(3)),
            "avgMs": float(a.group(1)) if a else None}
