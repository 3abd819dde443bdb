"""The Dagster UI in a real browser: Debian's Chromium driven by Playwright.

``pop ui`` (webserver and daemon) runs on the tiny world. The test opens the asset ``raw_tweets``,
clicks **Materialize** (the raw multi-asset cannot be subset, so the UI asks to confirm its other
outputs), follows the launched run to its page and waits there for it to succeed; then it checks
the materialization through the webserver's GraphQL and leaves a screenshot of the global asset
lineage (one node per group, with its status counts) in the test-artifact folder.
"""

import json
import re
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from pop_pipeline_tests.servers.chromium import LAUNCH_ARGS
from pop_pipeline_tests.servers.dagster_ui import DagsterUI, dagster_ui

pytestmark = pytest.mark.slow

VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 180_000  # clicks and expectations: the machine is slow and shared
RUN_TIMEOUT_S = 900  # the run's steps are subprocesses that import the project (torch): slow
GRAPH_SCREENSHOT = "dagster_asset_graph.png"
FAILURE_SCREENSHOT = "dagster_ui_failure.png"
RUN_URL = re.compile(r"/runs/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
TERMINAL_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}

RUN_STATUS = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status } }
}"""
LATEST_MATERIALIZATION = """
query LatestMaterialization($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        metadataEntries { label ... on IntMetadataEntry { intRepr } }
      }
    }
  }
}"""


def test_materialize_raw_tweets_by_clicking_in_the_ui(
    chromium, tiny_world, tmp_path, test_artifacts
):
    tweets_in_world = json.loads((tiny_world / "manifest.json").read_text())["counts"]["tweets"]
    graph_png = test_artifacts / GRAPH_SCREENSHOT
    failure_png = test_artifacts / FAILURE_SCREENSHOT
    for stale in (graph_png, failure_png):
        stale.unlink(missing_ok=True)
    with (
        dagster_ui(tmp_path, {"POP_RAW_URI": str(tiny_world)}) as ui,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(TIMEOUT_MS)
            with _evidence_on_failure(page, ui, failure_png):
                run_id = _click_materialize(page, ui.url, "raw_tweets")
                status = _wait_for_run(ui, run_id)
                assert status == "SUCCESS", f"run {run_id} ended {status}"
                # The run's page (open in the browser since the click) shows it too.
                expect(page.get_by_text("Success", exact=True).first).to_be_visible(
                    timeout=TIMEOUT_MS
                )
                _screenshot_asset_graph(page, _asset_groups(ui), graph_png)
        finally:
            browser.close()
        answer = ui.graphql(LATEST_MATERIALIZATION, {"path": ["raw_tweets"]})["assetOrError"]

    (latest,) = answer["assetMaterializations"]
    assert latest["runId"] == run_id
    metadata = {entry["label"]: entry.get("intRepr") for entry in latest["metadataEntries"]}
    assert metadata["dagster/row_count"] == str(tweets_in_world)
    width, height = _png_size(graph_png)
    assert width == VIEWPORT["width"] and height >= VIEWPORT["height"]
    assert graph_png.stat().st_size > 20_000  # a drawn graph, not a blank page


def _click_materialize(page: Page, url: str, asset: str) -> str:
    """Open ``asset``'s page, click Materialize, confirm, follow the toast; return the run id."""
    page.goto(f"{url}/assets/{asset}")
    # A fresh instance first greets the user with "Join the Dagster community": skip it.
    page.get_by_role("dialog").get_by_role("button", name="Skip", exact=True).click()
    page.get_by_role("button", name=re.compile(r"Materialize$")).click()
    # One output of a multi-asset that cannot be subset: the UI names the others and asks.
    others = page.get_by_role("dialog").filter(has_text="Additional assets will be materialized")
    others.get_by_role("button", name="Confirm", exact=True).click()
    toasts = page.get_by_role("region", name=re.compile(r"^Notifications"))
    toasts.get_by_role("link", name="View", exact=True).click()  # "Launched run …  View"
    page.wait_for_url(RUN_URL)
    return RUN_URL.search(page.url).group(1)


def _wait_for_run(ui: DagsterUI, run_id: str) -> str:
    """Poll the run's status until it ends; return it (``SUCCESS``, ``FAILURE``, ``CANCELED``)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    status = "unknown"
    while time.monotonic() < deadline:
        status = ui.graphql(RUN_STATUS, {"runId": run_id})["runOrError"].get("status", status)
        if status in TERMINAL_STATUSES:
            return status
        time.sleep(2)  # polling the webserver until the run ends
    raise TimeoutError(f"run {run_id} still {status} after {RUN_TIMEOUT_S} s")


def _asset_groups(ui: DagsterUI) -> list[str]:
    """The code location's asset groups, as the webserver reports them."""
    nodes = ui.graphql("query AssetGroups { assetNodes { groupName } }")["assetNodes"]
    return sorted({node["groupName"] for node in nodes})


def _screenshot_asset_graph(page: Page, groups: list[str], path: Path) -> None:
    """Open Global asset lineage from the navigation, wait for every group's node, save the page.

    The default view (one node per group, fitted to the window) is kept: the expanded graph is
    several screens tall and Dagster will not zoom it out to fit.
    """
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"Lineage$")).click()
    expect(page.get_by_text("Global asset lineage", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    page.reload()  # drops the "Launched run" toast, which stays until dismissed
    graph = page.get_by_role("img").filter(has_text=groups[0])
    for group in groups:
        expect(graph.get_by_text(group, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    # Collapsed groups say "N assets (fetching statuses)" until their status counts arrive.
    fetching = graph.get_by_text(re.compile(r"fetching statuses"))
    expect(fetching).to_have_count(0, timeout=TIMEOUT_MS)
    page.screenshot(path=path, full_page=True)


@contextmanager
def _evidence_on_failure(page: Page, ui: DagsterUI, screenshot: Path) -> Iterator[None]:
    """On failure, save what the browser shows and attach the server's output (run logs)."""
    try:
        yield
    except Exception as error:
        with suppress(Exception):  # the browser may be the thing that failed
            page.screenshot(path=screenshot, full_page=True)
        error.add_note(f"page at failure: {page.url}, screenshot {screenshot}")
        error.add_note(f"--- dagster dev output (with the runs' event logs) ---\n{ui.log_tail()}")
        raise


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails if the file is not a PNG."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])
