"""Pipeline parallelism: the simulator's bubble and memory, and GPipe/1F1B gradients across processes."""
import pytest
import torch
from torch import nn

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.pipeline import run_pipeline, split_stages
from dlsys_lab.parallel.schedule import (SCHEDULES, bubble_fraction, max_in_flight, one_f_one_b_schedule,
                                         simulate)

STAGES, MICRO_BATCHES = 3, 6


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("stages,micro_batches", [(1, 4), (2, 1), (3, 6), (4, 8), (5, 3)])
def test_simulated_bubble_is_p_minus_1_over_m_plus_p_minus_1(name, stages, micro_batches):
    schedule = SCHEDULES[name](stages, micro_batches)
    assert all(sorted(ops) == sorted([(k, i) for k in "FB" for i in range(micro_batches)]) for ops in schedule)
    for forward_time, backward_time in [(1.0, 1.0), (1.0, 2.0)]:
        events = simulate(schedule, forward_time, backward_time)
        expected = (stages - 1) / (micro_batches + stages - 1)
        assert bubble_fraction(events) == pytest.approx(expected, abs=1e-12)


def test_one_f_one_b_holds_at_most_p_activations_and_gpipe_holds_m():
    for stages, micro_batches in [(2, 8), (4, 8), (4, 2)]:
        in_flight = [max_in_flight(ops) for ops in one_f_one_b_schedule(stages, micro_batches)]
        assert in_flight == [min(stages - s, micro_batches) for s in range(stages)]
        assert all(max_in_flight(ops) == micro_batches for ops in SCHEDULES["gpipe"](stages, micro_batches))


def test_simulator_rejects_a_deadlocking_schedule():
    swapped = [[("F", 0), ("F", 1), ("B", 0), ("B", 1)], [("F", 1), ("F", 0), ("B", 0), ("B", 1)]]
    with pytest.raises(ValueError, match="deadlock"):
        simulate([[("F", 0), ("B", 0)], [("B", 0), ("F", 0)]])
    simulate(swapped)  # out of order is slow, not stuck


def make_model():
    torch.manual_seed(3)
    layers = [nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 7), nn.Tanh(), nn.Linear(7, 6), nn.Tanh(), nn.Linear(6, 2)]
    return nn.Sequential(*layers).double()


def batch():
    gen = torch.Generator().manual_seed(11)
    return torch.randn(12, 5, generator=gen, dtype=torch.float64), torch.randn(12, 2, generator=gen, dtype=torch.float64)


def pipeline_both_schedules(rank, world_size, inputs, targets):
    """Per schedule: this stage's gradients and what it counted."""
    out = {}
    for schedule in SCHEDULES:
        stage = split_stages(make_model(), world_size)[rank]
        stats = run_pipeline(stage, rank, world_size, schedule, inputs, targets, MICRO_BATCHES)
        out[schedule] = ([p.grad for p in stage.parameters()], stats)
    return out


@pytest.mark.slow
def test_gpipe_and_1f1b_gradients_equal_the_single_process_model():
    inputs, targets = batch()
    model = make_model()
    loss = nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    expected = [[p.grad for p in stage.parameters()] for stage in split_stages(model, STAGES)]
    results = launch(pipeline_both_schedules, STAGES, inputs, targets)
    for rank, per_schedule in enumerate(results):
        for schedule, (grads, stats) in per_schedule.items():
            assert len(grads) == len(expected[rank]) > 0
            for got, want in zip(grads, expected[rank]):
                torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-13, msg=f"{schedule}, stage {rank}")
            limit = MICRO_BATCHES if schedule == "gpipe" else STAGES - rank
            assert stats.max_in_flight == limit, (schedule, rank)
    assert results[-1]["1f1b"][1].loss == pytest.approx(loss.item(), rel=1e-12)
