"""Banners re-shown with nothing new do not relayout the screen (an idle war room repaints only its clocks)."""

from __future__ import annotations

from tests.snapshots.test_branch_banners import BannerApp, _failed_rollback_major_frozen
from warroom.widgets.banners import BranchBanners


async def test_showing_the_same_banners_again_requests_no_layout() -> None:
    incident, others = _failed_rollback_major_frozen()
    app = BannerApp(incident, others)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        banners = app.query_one(BranchBanners)
        layouts: list[str] = []
        for banner in banners.children:
            original = banner.refresh

            def spy(*args, _original=original, _banner=banner, **kwargs):  # type: ignore[no-untyped-def]
                if kwargs.get("layout"):
                    layouts.append(_banner.id or "")
                return _original(*args, **kwargs)

            banner.refresh = spy  # type: ignore[method-assign]
        for _ in range(3):  # the open-incidents poll every few seconds, with nothing changed
            banners.show(incident, others)
        await pilot.pause()
        assert layouts == []
        banners.show(incident, [])  # the other incident closed: the major banner goes away
        await pilot.pause()
        assert "banner-major" in layouts
        assert not app.query_one("#banner-major").display
