"""End-to-end tests run on the qasync loop, so the window repaints while they await."""

from qasync_loop import qasync_loop_factories as pytest_asyncio_loop_factories

__all__ = ["pytest_asyncio_loop_factories"]
