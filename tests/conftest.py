"""Shared fixtures: the devices every array and autodiff test runs on."""
import pytest

import dlsys_lab.nd as nd

DEVICES = [
    pytest.param(d.name, marks=() if d.available() else pytest.mark.skip(reason=f"{d.name}: {d.status()}"),
                 id=d.name)
    for d in nd.all_devices()
]


@pytest.fixture(params=DEVICES)
def device_name(request):
    """Each device's name; unavailable devices are skipped with the reason they give."""
    return request.param
