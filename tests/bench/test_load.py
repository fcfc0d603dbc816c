"""The load bench's reading of Locust's figures (bench/load.py). The locustfile is not imported
here: importing Locust patches the whole process for gevent."""

from __future__ import annotations

from pathlib import Path

from bench import load

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def test_stats_read_a_reset_phase_with_names_that_sent_nothing_since(tmp_path: Path) -> None:
    (tmp_path / "p_stats.csv").write_text(
        HEADER + "POST,answer save,3530,0,140,137.0,58.5,256.7,604.0,145.3,0.0,140,150,160,170,180,"
        "190,200,220,250,256,256\n"
        + "POST,sign up,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
    )

    stats = load._stats(tmp_path / "p")

    assert stats["answer save"] == {
        "count": 3530.0,
        "failures": 0.0,
        "rps": 145.3,
        "p50": 140.0,
        "p95": 190.0,
        "p99": 220.0,
    }
    assert stats["sign up"]["p99"] == 0.0
