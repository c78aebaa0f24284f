"""dl.logs.quiet: a logger raised for one block and restored after, even when the block raises."""
import logging

import pytest

from dlsys_lab.logs import quiet


def test_quiet_drops_records_below_its_level_and_restores_the_logger(caplog):
    log = logging.getLogger("dlsys_lab.test_quiet")
    log.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG, logger="dlsys_lab.test_quiet"):
        with quiet("dlsys_lab.test_quiet", level=logging.WARNING):
            log.info("dropped")
            log.warning("kept")
        log.info("after")
    assert [r.getMessage() for r in caplog.records] == ["kept", "after"]
    with pytest.raises(RuntimeError), quiet("dlsys_lab.test_quiet"):
        raise RuntimeError("the block fails")
    assert log.level == logging.DEBUG


def test_quiet_needs_a_logger_name():
    with pytest.raises(ValueError, match="at least one logger"):
        with quiet():
            pass
