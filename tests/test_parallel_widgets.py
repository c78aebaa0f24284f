"""The week-6 widgets and the overlap model behind the bucket timeline."""
import matplotlib
import pytest

from dlsys_lab.parallel.overlap_model import overlap_timeline, ring_all_reduce_seconds, step_seconds
from dlsys_lab.viz.parallel_pipeline import PipelineBubbleExplorer
from dlsys_lab.viz.parallel_timeline import BucketTimelineExplorer

matplotlib.use("Agg")

LAYER_BYTES, LAYER_SECONDS = [2**20] * 8, [1e-3] * 8


def bars(ax):
    """Every bar drawn on ax, as (x, width, y) tuples."""
    return sorted(tuple(round(v, 9) for v in path.get_extents().bounds[:3])
                  for collection in ax.collections for path in collection.get_paths())


def test_overlap_model_hides_communication_behind_backward():
    one_bucket = overlap_timeline(LAYER_BYTES, LAYER_SECONDS, bucket_bytes=2**30, latency=1e-4, bandwidth=1e9)
    per_layer = overlap_timeline(LAYER_BYTES, LAYER_SECONDS, bucket_bytes=2**20, latency=1e-4, bandwidth=1e9)
    comm = ring_all_reduce_seconds(8 * 2**20, 2, 1e9, 1e-4)
    assert step_seconds(one_bucket) == pytest.approx(8e-3 + comm)  # nothing overlaps: it starts at the end
    assert step_seconds(per_layer) < step_seconds(one_bucket)
    assert [s.label for s in per_layer if s.lane == "comm"] == [f"bucket {i}" for i in range(8)]


def test_bucket_slider_changes_the_plotted_timeline():
    explorer = BucketTimelineExplorer(LAYER_BYTES, LAYER_SECONDS, [2**20, 4 * 2**20, 2**30])
    before, title_before = bars(explorer.ax), explorer.ax.get_title()
    explorer.bucket.value = 2**30
    assert bars(explorer.ax) != before and explorer.ax.get_title() != title_before
    assert explorer.ax.get_title().startswith("1 buckets")


def test_pipeline_sliders_change_the_schedule_diagrams():
    explorer = PipelineBubbleExplorer(stages=4, micro_batches=2)
    before = [bars(ax) for ax in explorer.axes]
    assert "bubble 60%" in explorer.axes[0].get_title()
    explorer.micro_batches.value = 8
    assert all(bars(ax) != old for ax, old in zip(explorer.axes, before))
    assert "bubble 27%" in explorer.axes[0].get_title() and "at most 8 micro-batches" in explorer.axes[0].get_title()
    assert "at most 4 micro-batches" in explorer.axes[1].get_title()
    explorer.stages.value = 1
    assert "bubble 0%" in explorer.axes[1].get_title()
