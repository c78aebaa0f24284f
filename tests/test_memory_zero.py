"""ZeRO arithmetic against the ZeRO paper's Figure 1 (Rajbhandari et al., 2020): 7.5B parameters, 64 devices,
mixed-precision Adam (K = 12): 120 GB, 31.4 GB, 16.6 GB and 1.9 GB per device for stages 0 to 3."""
import pytest

from dlsys_lab.memory import zero_bytes_per_device


@pytest.mark.parametrize("stage, gigabytes", [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_matches_the_paper(stage, gigabytes):
    got = zero_bytes_per_device(7_500_000_000, 64, stage)["total"] / 1e9
    assert got == pytest.approx(gigabytes, abs=0.05)


def test_zero_rejects_unknown_stages():
    with pytest.raises(ValueError, match="stage must be"):
        zero_bytes_per_device(10, 2, 4)
