import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdesk.services.live.chart_buffer import ChartBuffer


def test_keeps_everything_until_full() -> None:
    buf = ChartBuffer(8)
    for i in range(5):
        buf.append(float(i), float(i * 10))
    t, y = buf.arrays()
    assert t.tolist() == [0, 1, 2, 3, 4]
    assert y.tolist() == [0, 10, 20, 30, 40]


def test_a_single_trough_survives_heavy_thinning() -> None:
    buf = ChartBuffer(8)
    for i in range(1000):
        buf.append(float(i), -500.0 if i == 377 else float(i))
    t, y = buf.arrays()
    assert len(t) <= 11
    assert -500.0 in y.tolist()
    assert t[-1] == 999.0  # the newest point is always shown


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=3000), st.sampled_from([8, 16, 64]))
def test_bounded_ordered_and_extremes_kept(values: list[float], capacity: int) -> None:
    buf = ChartBuffer(capacity)
    for i, v in enumerate(values):
        buf.append(float(i), v)
    t, y = buf.arrays()
    assert len(t) <= capacity + 3
    assert np.all(np.diff(t) > 0)
    assert t[-1] == len(values) - 1
    assert y.max() == max(values)
    assert y.min() == min(values)


def test_rejects_bad_capacity() -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        ChartBuffer(10)


class _ReferenceBuffer(ChartBuffer):
    """`append` as first written (a bucket of one committed through _bucket_points)."""

    def append(self, t: float, y: float) -> None:
        p = (t, y)
        if self._open == 0 or y < self._lo[1]:
            self._lo = p
        if self._open == 0 or y > self._hi[1]:
            self._hi = p
        self._new = p
        self._open += 1
        if self._open >= self._stride:
            for q in self._bucket_points():
                self._commit(q)
            self._open = 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0])), max_size=600),
    st.sampled_from([8, 12, 32]),
)
def test_append_equals_the_reference(values: list[float], capacity: int) -> None:
    fast, ref = ChartBuffer(capacity), _ReferenceBuffer(capacity)
    for i, v in enumerate(values):
        fast.append(float(i), v)
        ref.append(float(i), v)
        if i % 7 == 0 or i == len(values) - 1:
            (ft, fy), (rt, ry) = fast.arrays(), ref.arrays()
            assert ft.tolist() == rt.tolist() and fy.tolist() == ry.tolist()
    assert (fast._n, fast._stride, fast._open) == (ref._n, ref._stride, ref._open)
