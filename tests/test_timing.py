"""Tests for deconv_course.timing: the warm-up, the minimum, CUDA synchronisation, one_thread."""

import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import torch

from deconv_course import timing
from deconv_course.timing import best_time, one_thread


def test_one_thread_limits_torch_and_blas_inside_and_restores_after():
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == before


def test_best_time_warms_up_then_returns_the_fastest_run():
    calls = []
    durations = iter([0.0, 0.03, 0.01, 0.02])  # warm-up, then three timed runs

    def fn():
        calls.append(1)
        time.sleep(next(durations))

    best = best_time(fn, repeat=3)
    assert len(calls) == 4
    assert 0.01 <= best < 0.02
    with pytest.raises(ValueError, match="repeat"):
        best_time(fn, repeat=0)


@pytest.fixture
def fake_clock(monkeypatch):
    """A clock that only moves when the timed function says so: exact, and never flaky."""
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(timing, "time", SimpleNamespace(perf_counter=lambda: clock.now))
    return clock


@pytest.mark.parametrize("warmup", [0, 1, 3])
@pytest.mark.parametrize("repeat", [1, 4])
def test_best_time_calls_warmup_plus_repeat_times_and_returns_the_minimum(fake_clock, warmup, repeat):
    durations = [5.0] * warmup + [0.25 * (k + 2) for k in range(repeat)][::-1]  # fastest last
    calls = []

    def fn():
        fake_clock.now += durations[len(calls)]
        calls.append(fake_clock.now)

    best = best_time(fn, repeat=repeat, warmup=warmup)
    assert len(calls) == warmup + repeat
    assert best == min(durations[warmup:]) == 0.5  # the warm-up runs (5 s each) are not timed


def test_best_time_rejects_bad_arguments():
    with pytest.raises(ValueError, match="warmup=-1"):
        best_time(lambda: None, warmup=-1)
    with pytest.raises(TypeError, match="repeat=True"):
        best_time(lambda: None, repeat=True)
    with pytest.raises(TypeError, match="callable"):
        best_time(42)
    with pytest.raises(ValueError, match="device='tpu'"):
        best_time(lambda: None, device="tpu")


@pytest.fixture
def sync_recorder(monkeypatch):
    """Record torch.cuda.synchronize calls (and let CUDA look present) in a shared event log.

    This tests best_time's protocol, not CUDA: tests/test_gpu.py times real GPU work.
    """
    events = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: events.append(("sync", device)))
    return events


@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda", 0)])
def test_best_time_synchronises_cuda_around_every_timed_run(sync_recorder, device):
    best_time(lambda: sync_recorder.append("call"), repeat=2, warmup=1, device=device)
    sync = ("sync", device)
    # warm-up untimed; then each run: wait for earlier work, start the clock, run, wait, read it
    assert sync_recorder == ["call", sync, "call", sync, sync, "call", sync]


def test_best_time_on_cpu_never_synchronises(sync_recorder):
    best_time(lambda: sync_recorder.append("call"), repeat=2, device="cpu")
    assert sync_recorder == ["call"] * 3


def test_best_time_without_device_synchronises_only_a_started_cuda(sync_recorder, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    best_time(lambda: sync_recorder.append("call"), repeat=1)
    assert sync_recorder == ["call", "call"]
    sync_recorder.clear()
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    best_time(lambda: sync_recorder.append("call"), repeat=1)
    assert sync_recorder == ["call", ("sync", None), "call", ("sync", None)]


def test_best_time_refuses_cuda_where_there_is_none(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        best_time(lambda: None, device="cuda")


def test_timing_does_not_import_torch():
    code = (
        "import sys, deconv_course.timing as t; t.best_time(lambda: None, device='cpu'); "
        "t.best_time(lambda: None); assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
